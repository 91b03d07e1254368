"""A teacher takes the morning register with the keyboard alone: exceptions first, then everyone else present."""

import datetime as dt
import os
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from registers.models import Mark, RegisterTaking
from schools.services import rebuild_school_days
from tests.factories import HalfTermFactory, PupilFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TODAY = dt.date(2026, 11, 23)
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _morning(time_machine):
    # Ticking, so the browser's timeouts and the server's clocks still move; the register is open until 09:15.
    time_machine.move_to(dt.datetime(2026, 11, 23, 8, 50, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=True)


@pytest.fixture
def form_5a(school_a, group_a, pupil_a, teacher):
    HalfTermFactory(school=school_a, name="Autumn 2", starts=dt.date(2026, 11, 2), ends=dt.date(2026, 12, 18))
    rebuild_school_days(school_a)
    teacher.first_name, teacher.last_name = "Tina", "Tutor"
    teacher.save()
    for surname, forename in [("Baker", "Bea"), ("Cole", "Cal"), ("Dunn", "Dev"), ("Evans", "Eli")]:
        PupilFactory(school=school_a, group=group_a, legal_surname=surname, legal_forename=forename)
    return group_a


def _tab_to(page, target, backwards=False, limit=60):
    """Press Tab (or Shift+Tab) until `target` has focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{target} never received focus")


def _row(page, surname):
    return page.locator("li[data-row]", has=page.locator(".register-row__name", has_text=surname))


def test_a_teacher_takes_a_register_by_keyboard_only(live_server, page, screenshot, form_5a):
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server.url) else None)

    page.goto(live_server.url + "/registers/take/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("teacher")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="My registers")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("5A"))).to_contain_text("Not taken")
    _tab_to(page, page.get_by_role("link", name="Take register for 5A"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("5A")
    status = page.locator("#register-status")
    expect(status).to_contain_text("5 of 5 not marked yet")
    expect(page.locator(".register-row--unmarked")).to_have_count(5)
    screenshot("register-01-open")

    # Into the list: the first unmarked pupil is the list's one tab stop.
    _tab_to(page, _row(page, "Able"))
    page.evaluate("window.stillTheSamePage = true")
    page.keyboard.press("ArrowDown")
    expect(_row(page, "Baker")).to_be_focused()

    # N for Bea Baker: saved at once, and the next pupil is selected.
    page.keyboard.press("n")
    expect(_row(page, "Baker")).to_have_attribute("data-code", "N")
    expect(_row(page, "Cole")).to_be_focused()
    expect(status).to_contain_text("4 of 5 not marked yet")

    # L for Cal Cole, then the minutes late and Enter.
    page.keyboard.press("l")
    minutes = page.get_by_label("Minutes late, Cal Cole")
    expect(minutes).to_be_focused()
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    expect(_row(page, "Cole")).to_contain_text("12 min")
    expect(_row(page, "Cole")).to_be_focused()
    expect(status).to_contain_text("3 of 5 not marked yet")

    # Any other code through the picker: Enter opens it, a word finds the code, Enter chooses it.
    page.keyboard.press("j")
    expect(_row(page, "Dunn")).to_be_focused()
    page.keyboard.press("Enter")
    search = page.get_by_label("Search by code or meaning")
    expect(search).to_be_focused()
    page.keyboard.type("religious")
    expect(page.locator("#code-picker [data-code]:visible")).to_have_count(1)
    screenshot("register-02-picker")
    page.keyboard.press("Enter")
    expect(_row(page, "Dunn")).to_have_attribute("data-code", "R")
    expect(status).to_contain_text("2 of 5 not marked yet")

    # Everyone else present with one button.
    _tab_to(page, page.get_by_role("button", name=re.compile("Mark all unmarked present")), backwards=True)
    page.keyboard.press("Enter")
    expect(status).to_contain_text("0 not marked")
    expect(status).to_contain_text("Taken by Tina Tutor")
    expect(page.locator(".register-row--unmarked")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True, "every change saved without reloading the page"
    screenshot("register-03-taken")

    page.reload()
    expect(status).to_contain_text("0 not marked")
    codes = {s: _row(page, s).get_attribute("data-code") for s in ("Able", "Baker", "Cole", "Dunn", "Evans")}
    assert codes == {"Able": "/", "Baker": "N", "Cole": "L", "Dunn": "R", "Evans": "/"}
    expect(_row(page, "Cole")).to_contain_text("12 min")
    stored = dict(Mark.objects.values_list("pupil__legal_surname", "code"))
    assert stored == codes
    assert Mark.objects.get(pupil__legal_surname="Cole").minutes_late == 12
    assert RegisterTaking.objects.get().taken_by.username == "teacher"

    page.set_viewport_size({"width": 768, "height": 1024})
    _tab_to(page, _row(page, "Able"))
    screenshot("register-04-tablet")
    assert elsewhere == [], "every request stays on our own server: no CDN"
