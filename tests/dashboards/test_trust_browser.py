"""A trust lead finds the trust view from their home page, sorts the schools with the keyboard, opens the pupils
behind a number, and compares the trust's pupil groups. In headless Chromium (fixtures in tests/conftest.py)."""

import datetime as dt
import os
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from schools.models import Pupil, School
from tests.factories import PupilFactory, SchoolFactory
from tests.signing_in import sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LAST_MONDAY = dt.date(2026, 11, 16)
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Ticking, so the browser's timeouts and the server's clocks still move.
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=True)


def record(school, pupil, codes):
    sessions = [(LAST_MONDAY + dt.timedelta(days=n // 2), ("AM", "PM")[n % 2]) for n in range(len(codes))]
    marks = [MarkInput(pupil.pk, day, session, code) for (day, session), code in zip(sessions, codes, strict=True)]
    upsert_marks(school=school, marks=marks, source=Mark.Source.REGISTER)


@pytest.fixture
def two_schools(trust_a, school_a, pupil_a):
    """Alpha Primary at 90.0% (Ann, FSM, persistently absent); Gamma High at 50.0%."""
    Pupil.objects.filter(pk=pupil_a.pk).update(fsm=True)
    record(school_a, pupil_a, ["/", "\\"] * 4 + ["O", "O"])
    record(school_a, PupilFactory(school=school_a, legal_surname="Bright", legal_forename="Bea"), ["/", "\\"] * 5)
    gamma = SchoolFactory(trust=trust_a, name="Gamma High", urn="300001", phase=School.Phase.SECONDARY)
    record(gamma, PupilFactory(school=gamma, legal_surname="Gold", legal_forename="Gil"), ["O", "\\"])


def school_names(page):
    return page.locator(".trust-table tbody th[scope=row] a").all_inner_texts()


def test_a_trust_lead_sorts_the_schools_and_opens_the_pupils_behind_a_number(
    live_server, page, screenshot, lead, two_schools
):
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server.url) else None)
    sign_in(page, live_server.url, "lead", PASSWORD)

    page.get_by_role("link", name="Trust view: every school side by side").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trust A: every school")
    expect(page.locator("tfoot")).to_contain_text("All 2 schools")
    assert school_names(page) == ["Alpha Primary", "Gamma High"]
    screenshot("trust-01-schools")

    # Sorting is a link in each column heading: reach it with the keyboard and press Enter.
    attendance = page.get_by_role("link", name=re.compile(r"^Attendance"))
    attendance.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?sort=attendance$"))
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Attendance")
    assert school_names(page) == ["Gamma High", "Alpha Primary"]
    page.get_by_role("link", name=re.compile(r"^Attendance")).focus()
    page.keyboard.press("Enter")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Attendance")
    assert school_names(page) == ["Alpha Primary", "Gamma High"]
    screenshot("trust-02-sorted")

    # Alpha's PA figure lists its persistently absent pupil.
    page.get_by_role("link", name=re.compile(r"persistently absent pupils, Alpha Primary$")).first.click()
    expect(page.get_by_role("main")).to_contain_text("Able")
    expect(page.get_by_role("main")).not_to_contain_text("Bright")
    screenshot("trust-03-pupils")

    page.goto(live_server.url + "/dashboards/trust/groups/?group=fsm")
    expect(page.get_by_role("heading", name="Groups across the trust")).to_be_visible()
    expect(page.get_by_role("heading", name="Free school meals (FSM), school by school")).to_be_visible()
    screenshot("trust-04-groups")
    assert elsewhere == []  # nothing from a CDN
