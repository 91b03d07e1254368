"""A head signs in with the keyboard, filters the pupil list and reads one pupil's calendar and mark history."""

import datetime as dt
import os
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from schools.models import Closure
from schools.services import rebuild_school_days
from tests.factories import HalfTermFactory, PupilContactFactory, PupilFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LAST_MONDAY = dt.date(2026, 11, 16)
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Ticking, so the browser's timeouts and the server's clocks still move.
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=True)


def _record(school, pupil, codes, by=None, reason=""):
    sessions = [(LAST_MONDAY + dt.timedelta(days=n // 2), ("AM", "PM")[n % 2]) for n in range(len(codes))]
    marks = [MarkInput(pupil.pk, day, session, code) for (day, session), code in zip(sessions, codes, strict=True)]
    upsert_marks(school=school, marks=marks, source=Mark.Source.REGISTER, recorded_by=by, reason=reason)


@pytest.fixture
def school_with_a_week_of_marks(school_a, pupil_a, head):
    """Alpha Primary's autumn calendar (INSET on Friday 20 November) and a week of marks for three pupils."""
    HalfTermFactory(school=school_a, name="Autumn 1", starts=dt.date(2026, 9, 2), ends=dt.date(2026, 10, 23))
    HalfTermFactory(school=school_a, name="Autumn 2", starts=dt.date(2026, 11, 2), ends=dt.date(2026, 12, 18))
    inset = LAST_MONDAY + dt.timedelta(days=4)
    Closure.objects.create(trust=school_a.trust, school=school_a, kind="inset", name="INSET", starts=inset, ends=inset)
    rebuild_school_days(school_a)

    head.first_name, head.last_name = "Hannah", "Head"
    head.save()
    PupilContactFactory(pupil=pupil_a, contact__name="Mary Able", contact__phone="07700 900456")
    _record(school_a, pupil_a, ["/", "\\", "N", "N", "/", "\\", "L", "\\"], by=head)
    _record(school_a, pupil_a, ["/", "\\", "I", "I"], by=head, reason="Mother phoned: chickenpox")
    _record(school_a, PupilFactory(school=school_a, legal_surname="Steady", legal_forename="Sam"), ["/", "\\"] * 4)
    _record(school_a, PupilFactory(school=school_a, legal_surname="Truant", legal_forename="Tom"), ["O", "O"] * 4)
    return school_a


def test_a_head_signs_in_filters_pupils_and_reads_a_pupils_calendar_and_history(
    live_server, page, screenshot, school_with_a_week_of_marks
):
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server.url) else None)

    # Sign in with the keyboard only: the username field has focus when the page opens.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_label("Username")).to_be_focused()
    screenshot("01-sign-in")
    page.keyboard.type("head")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your school")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Headteacher, Alpha Primary")
    screenshot("02-home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pupils").click()
    results = page.locator("#pupil-results")
    expect(results.get_by_role("row")).to_have_count(4)  # a header row and three pupils
    screenshot("03-pupil-list")

    # Choosing a filter swaps the results in place (the page is not reloaded) and records the filter in the URL.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Absence").select_option("pa")
    expect(results.get_by_role("row")).to_have_count(3)
    expect(results).to_contain_text("Able")
    expect(results).to_contain_text("Truant")
    expect(results).not_to_contain_text("Steady")
    expect(page).to_have_url(re.compile(r"absence=pa"))
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_label("Name or UPN").fill("tru")
    expect(results.get_by_role("row")).to_have_count(2)
    page.get_by_label("Name or UPN").fill("able")
    expect(results.get_by_role("row")).to_have_count(2)
    expect(results).to_contain_text("Able")
    screenshot("04-pupil-list-filtered")

    results.get_by_role("link", name="Able, Ann").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ann Able")

    calendar = page.locator("table.cal")
    expect(calendar).to_be_visible()
    tuesday_am = calendar.locator("td[title^='Tue 17 Nov AM']")
    expect(tuesday_am).to_have_text("I")
    expect(tuesday_am).to_have_class(re.compile(r"\bcat-authorised\b"))
    expect(calendar.locator("td[title='Fri 20 Nov: not a school day']")).to_have_count(2)

    history = page.locator("section", has=page.get_by_role("heading", name="Mark history"))
    correction = history.get_by_role("row", name=re.compile("chickenpox"))
    expect(correction).to_have_count(2)  # Tuesday AM and PM, each N -> I
    expect(correction.first).to_contain_text("N → I")
    expect(correction.first).to_contain_text("Hannah Head")
    expect(page.get_by_text("07700 900456")).to_be_visible()
    screenshot("05-pupil-page")

    assert elsewhere == [], "every request stays on our own server: no CDN"
