"""In a browser: a head goes from the home page to the school's headlines, opens the pupils behind a number, and
downloads the table; a tutor opens their group's dashboard. Nothing is fetched from anywhere but the site."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.dashboards.test_school_figures import LONDON, build_school_year

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture
def school_year(time_machine, school_a, group_a, pupil_a):
    # Ticking, so that the browser's timeouts and the server's clock still move.
    time_machine.move_to(dt.datetime(2026, 9, 25, 15, 0, tzinfo=LONDON), tick=True)
    return build_school_year(school_a, group_a, pupil_a)


def _sign_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_head_reads_the_headlines_and_opens_the_pupils_behind_a_number(
    live_server, page, screenshot, head, school_year
):
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server.url) else None)
    _sign_in(page, live_server, "head")

    page.get_by_role("link", name="Alpha Primary", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alpha Primary: attendance and absence")
    headlines = page.get_by_role("region", name="Headlines")
    expect(headlines).to_contain_text("82.1%")
    expect(page.get_by_role("img", name=re.compile("Attendance by week"))).to_be_visible()
    expect(page.get_by_text("England, primary schools, 2023/24 full year").first).to_be_visible()
    screenshot("dashboards-school-headlines")

    page.get_by_role("link", name="2 pupils with persistent absence", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Persistent absence (missed 10% or more)")
    pupils = page.get_by_role("table", name="Persistent absence (missed 10% or more)")
    expect(pupils.get_by_role("row")).to_have_count(3)
    expect(pupils).to_contain_text("Cal Cole")
    expect(pupils).to_contain_text("Severe absence")
    screenshot("dashboards-school-pupils")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert download.value.suggested_filename == "pupils-100001-pa.csv"
    assert text.splitlines()[0].startswith("UPN,Name,Year,Group,Possible sessions")
    assert "Ann Able" in text and "Cal Cole" in text
    assert not elsewhere


def test_a_tutor_opens_their_groups_dashboard_from_home(live_server, page, screenshot, teacher, school_year):
    _sign_in(page, live_server, "teacher")
    page.get_by_role("link", name="Open the dashboard for group 5A").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Group 5A")
    pupils = page.get_by_role("table", name="Pupils and their attendance")
    expect(pupils.get_by_role("row")).to_have_count(3)
    expect(pupils.get_by_role("row").nth(1)).to_contain_text("Persistent absence")
    screenshot("dashboards-tutor-group")
