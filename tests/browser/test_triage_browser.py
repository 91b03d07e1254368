"""An officer triages an absence from the day-1 list: a call, the reason given (illness), and the mark goes N -> I."""

import datetime as dt
import os
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from registers.models import Mark
from tests.interventions.test_day1 import absent_pupil, history, mark, officer_at, school_calendar, with_contact

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TODAY = dt.date(2026, 11, 23)
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Ticking, so the browser's timeouts and the server's clocks still move.
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 45, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=True)


@pytest.fixture
def morning(school_a, group_a, pupil_a):
    """Alpha Primary at 9:45 on a Monday: Ann Able and two others marked N this morning, one on the watch list."""
    school_calendar(school_a)
    history(school_a, pupil_a, absent=8, present=42)
    with_contact(pupil_a, name="Mary Able", phone="07700 900456", postcode="WF1 2AB")
    mark(school_a, pupil_a, "N")
    absent_pupil(school_a, group_a, "Truant", watch_list=True, watch_list_reason="Known to early help")
    absent_pupil(school_a, group_a, "Steady", postcode="WF2 7QQ")
    return officer_at(school_a)


def test_an_officer_records_a_call_with_a_reason_and_the_mark_changes_from_n_to_i(
    live_server, page, screenshot, morning, pupil_a
):
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server.url) else None)

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today's absence").click()

    triage = page.locator("#triage-list")
    expect(triage.locator("> li")).to_have_count(3)
    # Risk order: the watch list first, then Ann (persistently absent), then the rest.
    expect(triage.locator("> li h3 a")).to_have_text(["Pat Truant", "Ann Able", "Pat Steady"])
    row = page.locator(f"#pupil-{pupil_a.pk}")
    expect(row).to_contain_text("Persistently absent: 82.4% attendance this year")
    expect(row.locator("abbr.code").first).to_have_text("N")
    expect(row.get_by_role("link", name="07700 900456")).to_have_attribute("href", "tel:07700900456")
    screenshot("triage-01-list")

    page.evaluate("window.stillTheSamePage = true")
    expect(row.get_by_label("How")).to_have_value("call")
    row.get_by_text("Reason given…").click()
    row.get_by_label("Note").fill("Mum: sickness bug, back Wednesday")
    screenshot("triage-02-reason-picker")
    row.get_by_role("button", name=re.compile(r"Illness")).click()

    # The row leaves the list for "Resolved today", without reloading the page.
    expect(page.locator(f"#pupil-{pupil_a.pk}")).to_have_count(0)
    resolved = page.locator(f"#resolved-{pupil_a.pk}")
    expect(resolved).to_contain_text("Ann Able")
    expect(resolved.locator("abbr.code").first).to_have_text("I")
    expect(page.get_by_role("status")).to_contain_text("Phone call for Ann Able: reason given. 1 session now coded I.")
    expect(page.locator("#triage-summary")).to_contain_text("Absent, no reason2")
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot("triage-03-resolved")

    got = Mark.objects.get(pupil=pupil_a, date=TODAY, session="AM")
    assert (got.code, got.source, got.reason) == (
        "I",
        "office",
        "Reason given on phone call: Mum: sickness bug, back Wednesday",
    )

    page.reload()
    expect(page.locator(f"#resolved-{pupil_a.pk} abbr.code").first).to_have_text("I")
    expect(page.locator("#triage-list > li")).to_have_count(2)
    assert elsewhere == [], "every request stays on our own server: no CDN"
