"""The office records late arrivals after the register closed at a school with Waterton's times (L 8:45-8:55, U after
8:55), and the pupil page's history shows the change."""

import datetime as dt
import os
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from schools.models import Role
from schools.services import rebuild_school_days
from tests.factories import HalfTermFactory, PupilContactFactory, PupilFactory, staff

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TODAY = dt.date(2026, 11, 23)
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Ticking, so the browser's timeouts and the server's clocks still move.
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=True)


@pytest.fixture
def waterton_morning(school_a, pupil_a, teacher):
    """A school with Waterton's times whose 5A register was taken at 8:45 with two pupils absent (N)."""
    school_a.day_starts, school_a.registers_close, school_a.late_until = dt.time(8, 45), dt.time(8, 45), dt.time(8, 55)
    school_a.save()
    HalfTermFactory(school=school_a, name="Autumn 2", starts=dt.date(2026, 11, 2), ends=dt.date(2026, 12, 18))
    rebuild_school_days(school_a)
    tom = PupilFactory(school=school_a, group=pupil_a.group, legal_surname="Truant", legal_forename="Tom")
    upsert_marks(
        school=school_a,
        marks=[MarkInput(pupil_a.pk, TODAY, "AM", "N"), MarkInput(tom.pk, TODAY, "AM", "N")],
        source=Mark.Source.REGISTER,
        recorded_by=teacher,
    )
    officer = staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer")
    officer.first_name, officer.last_name = "Olive", "Officer"
    officer.save()
    return tom


def _sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _tab_to(page, target, most: int = 6) -> None:
    """Press Tab until `target` has focus; a time input has two or three stops, by the browser's clock format."""
    for _ in range(most):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()


def _record(page, search: str, name: str, arrival: str, reason: str) -> None:
    box = page.get_by_label("Find the pupil: name or UPN")
    box.fill(search)
    box.press("Enter")  # search now rather than after the typing pause
    results = page.get_by_role("list", name="Pupils found")
    results.get_by_role("link", name=re.compile(name)).click()
    expect(page.locator(".chosen")).to_contain_text(name.split(", ")[1])
    page.get_by_label("Arrival time").fill(arrival)
    expect(page.get_by_label("Morning (AM)")).to_be_checked()
    page.get_by_label("Reason for lateness").fill(reason)
    page.get_by_role("button", name="Record arrival").click()


def test_the_office_records_l_before_the_late_limit_and_u_after_it(live_server, page, screenshot, waterton_morning):
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server.url) else None)

    _sign_in(page, live_server, "officer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Office").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Late arrivals")
    expect(page.get_by_text("No late arrivals recorded today.")).to_be_visible()

    # The live search swaps in results without reloading the page.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Find the pupil: name or UPN").fill("tru")
    # Enter searches at once, as the later searches here do, rather than after the typing pause.
    page.get_by_label("Find the pupil: name or UPN").press("Enter")
    expect(page.get_by_role("list", name="Pupils found").get_by_role("link")).to_have_count(1)
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot("office-01-search")

    # Keyboard only: the search has focus, Tab reaches the result, the arrival time has focus once a pupil is chosen.
    page.get_by_label("Find the pupil: name or UPN").fill("")
    expect(page.get_by_label("Find the pupil: name or UPN")).to_be_focused()
    page.keyboard.type("able")
    expect(page.get_by_role("list", name="Pupils found")).to_contain_text("Able, Ann")
    page.keyboard.press("Tab")  # the Find button
    page.keyboard.press("Tab")  # the first result
    page.keyboard.press("Enter")
    expect(page.locator(".chosen")).to_contain_text("Ann Able")
    expect(page.get_by_label("Arrival time")).to_be_focused()
    page.keyboard.type("0850")
    _tab_to(page, page.get_by_label("Reason for lateness"))  # past the time's segments and the checked AM choice
    page.keyboard.type("Dentist")
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Arrived 08:50, within the late limit 08:55: L (late, counted as present)")
    expect(status).to_contain_text("The mark changed from N to L.")

    _record(page, "truant", "Truant, Tom", "09:00", "Overslept")
    expect(page.get_by_role("status")).to_contain_text("Arrived 09:00, after the late limit 08:55: U (unauthorised)")
    today = page.locator("section", has=page.get_by_role("heading", name=re.compile("Late today")))
    expect(today.get_by_role("row")).to_have_count(3)  # a header row and two arrivals
    expect(today.get_by_role("row", name=re.compile("Truant"))).to_contain_text("U")
    expect(today.get_by_role("row", name=re.compile("Able"))).to_contain_text("L")
    screenshot("office-02-late-arrivals")

    today.get_by_role("link", name="Truant, Tom").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tom Truant")
    history = page.locator("section", has=page.get_by_role("heading", name="Mark history"))
    change = history.get_by_role("row", name=re.compile("Late arrival at 09:00: Overslept"))
    expect(change).to_contain_text("N → U")
    expect(change).to_contain_text("Olive Officer")
    screenshot("office-03-pupil-history")

    assert Mark.objects.get(pupil=waterton_morning, date=TODAY).minutes_late == 15
    assert elsewhere == [], "every request stays on our own server: no CDN"


def test_the_office_confirms_a_parents_report_and_the_head_refuses_a_holiday(
    live_server, page, screenshot, waterton_morning, pupil_a, head
):
    PupilContactFactory(pupil=pupil_a, contact__name="Mary Able", relationship="Mother")
    _sign_in(page, live_server, "officer")
    page.goto(live_server.url + "/registers/office/reports/")

    page.get_by_label("Find the pupil: name or UPN").fill("able")
    page.get_by_role("list", name="Pupils found").get_by_role("link", name=re.compile("Able, Ann")).click()
    expect(page.get_by_label("Who reported it")).to_have_value(re.compile(r"\d+"))  # the first contact, Mary Able
    page.get_by_label("Reason as a code").select_option("I")
    page.get_by_label("Reason in their words").fill("Chickenpox")
    page.get_by_label("Last day").fill("2026-11-24")
    screenshot("office-04-report-form")
    page.get_by_role("button", name="Record and see the sessions").click()

    sessions = page.locator("section", has=page.get_by_role("heading", name=re.compile("Sessions it covers")))
    expect(sessions.get_by_role("row")).to_have_count(5)  # a header and Monday to Tuesday, AM and PM
    expect(page.get_by_role("navigation", name="Office")).to_contain_text("Absence reports 1")
    screenshot("office-05-report-proposed")
    page.get_by_role("button", name="Confirm: record I").click()
    expect(page.get_by_role("status")).to_contain_text("Report confirmed")
    assert list(Mark.objects.filter(pupil=pupil_a).order_by("date", "session").values_list("code", flat=True)) == [
        "I",
        "I",
        "I",
        "I",
    ]
    screenshot("office-06-report-confirmed")

    # A holiday request, recorded by the office and refused by the head, who cannot grant it.
    page.get_by_role("navigation", name="Office").get_by_role("link", name="Leave requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leave requests")
    page.wait_for_load_state()  # htmx has set up the live search
    page.get_by_label("Find the pupil: name or UPN").fill("truant")
    page.get_by_role("list", name="Pupils found").get_by_role("link", name=re.compile("Truant, Tom")).click()
    page.get_by_label("Kind of leave").select_option("G")
    page.get_by_label("First day").fill("2026-12-07")
    page.get_by_label("Last day").fill("2026-12-11")
    page.get_by_label("Reason given").fill("Cheaper flights before Christmas")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_text("This request waits for the headteacher")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server, "head")
    page.goto(live_server.url + "/registers/office/leave/")
    page.get_by_role("link", name="Truant, Tom").click()
    page.get_by_label("Grant").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert").filter(has_text="term-time holidays cannot be authorised")).to_be_visible()
    screenshot("office-07-holiday-cannot-be-granted")
    page.get_by_label("Refuse").check()
    page.get_by_label("Note for the record").fill("Not exceptional circumstances")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text("Leave refused")
    page.get_by_role("link", name="All leave requests").click()
    expect(page.get_by_role("row", name=re.compile("Truant"))).to_contain_text("Refused")
    expect(page.get_by_role("row", name=re.compile("Truant"))).to_contain_text("5")  # school days asked for
    screenshot("office-08-leave-list")
