"""In a browser: a head opens today's absence from the home page, follows a count to its pupils in risk order,
downloads them, and finds a pupil's headroom on the pupil page. Nothing is fetched from anywhere but the site."""

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.dashboards.test_daily_view import LONDON, group_b, today_marks  # noqa: F401 (fixtures)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _afternoon(time_machine):
    # Ticking, so that the browser's timeouts and the server's clock still move.
    time_machine.move_to(dt.datetime(2026, 11, 23, 14, 0, tzinfo=LONDON), tick=True)


def _sign_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.usefixtures("today_marks")
def test_a_head_opens_todays_absence_and_the_pupils_behind_a_count(live_server, page, screenshot, head):
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server.url) else None)
    _sign_in(page, live_server, "head")

    page.get_by_role("region", name="Dashboards").get_by_role("link", name="Absent today").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Absent today")
    counts = page.get_by_role("table", name="Pupils on roll and absent on 23 November 2026 by year group")
    expect(counts.get_by_role("row", name="Year 5")).to_contain_text("4")
    screenshot("dashboards-daily-counts")

    page.get_by_role("link", name="2 pupils in Year 5: absent all day").click()
    expect(page.get_by_role("heading", name="Absent all day, Year 5: 2 pupils")).to_be_visible()
    pupils = page.get_by_role("table", name="Year 5: absent all day, in risk order")
    expect(pupils.get_by_role("row")).to_have_count(3)
    expect(pupils.get_by_role("row").nth(1)).to_contain_text("Severely absent")
    expect(pupils.get_by_role("row").nth(2)).to_contain_text("Ann Able")
    screenshot("dashboards-daily-pupils")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV of this list of pupils").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert download.value.suggested_filename == "absent-100001-2026-11-23-both.csv"
    assert [line.split(",")[3] for line in text.splitlines()[1:]] == ["Severe", "Able"]

    pupils.get_by_role("link", name="Ann Able").click()
    headroom = page.get_by_role("region", name="Headroom")
    expect(headroom).to_contain_text("Before persistent absence (10%)")
    expect(headroom).to_contain_text("Before the penalty-notice threshold")
    screenshot("dashboards-daily-headroom-panel")
    assert not elsewhere
