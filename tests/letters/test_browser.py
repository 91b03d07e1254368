"""In a real browser, by keyboard: a trust lead previews a change of wording on a pupil, then saves it; a leader makes
a batch and watches it finish."""

import datetime as dt
import zoneinfo

import pytest
from playwright.sync_api import expect

from letters.models import LetterBatch, LetterTemplate
from tests.signing_in import sign_in

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Ticking, so the browser's timeouts and the server's clocks still move.
    time_machine.move_to(dt.datetime(2026, 9, 21, 10, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=True)


def _sign_in(tab, live_server, username: str) -> None:
    sign_in(tab, live_server.url, username, PASSWORD)
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_trust_lead_previews_new_wording_on_a_pupil_then_saves_it(
    page,
    screenshot,
    live_server,
    lead,
    marked,
    parents,
):
    _sign_in(page, live_server, "lead")
    page.goto(live_server.url + "/letters/templates/")
    page.get_by_role("link", name="Default LON2 in English").click()

    body = page.get_by_label("Body")
    body.fill("{{ pupil_forename }} has missed {{ days_absent }} days this year.\n\nPlease call us.")
    page.get_by_label("Preview on a pupil").fill("Able")
    with page.expect_response(lambda r: r.url.endswith("/preview/")) as preview:
        page.get_by_role("button", name="Preview on this pupil").focus()
        page.keyboard.press("Enter")
    response = preview.value
    assert response.status == 200
    frame = page.frame_locator('iframe[name="letter-preview"]')
    expect(frame.get_by_text("Ann has missed 2.5 days this year.")).to_be_visible()
    expect(frame.get_by_text("Dear Maria Nowak,")).to_be_visible()
    assert not LetterTemplate.objects.exists(), "a preview saves nothing"
    screenshot("letters-wording-preview")

    page.get_by_role("button", name="Save the wording").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved the LON2 letter in English.")).to_be_visible()
    assert LetterTemplate.objects.get().body.startswith("{{ pupil_forename }} has missed")


def test_an_unknown_name_is_shown_next_to_the_wording_and_nothing_is_saved(page, live_server, lead):
    _sign_in(page, live_server, "lead")
    page.goto(live_server.url + "/letters/templates/LON2/English/")
    page.get_by_label("Body").fill("Dear {{ parent_name }}, {{ pupil_age }}")
    page.get_by_role("button", name="Save the wording").click()
    expect(page.get_by_role("alert").filter(has_text="Unknown name: {{ pupil_age }}")).to_be_visible()
    expect(page.get_by_label("Body")).to_have_value("Dear {{ parent_name }}, {{ pupil_age }}")
    assert not LetterTemplate.objects.exists()


def test_a_leader_makes_a_batch_for_a_year_group_and_prints_it(
    page,
    screenshot,
    live_server,
    attendance_lead,
    marked,
    parents,
):
    _sign_in(page, live_server, "attendance-lead")
    page.goto(live_server.url + "/letters/new/")
    page.get_by_label("Letter").select_option("WEEKLY")
    page.get_by_label("A year group").check()
    page.get_by_label("Year group", exact=True).select_option("5")
    page.get_by_role("button", name="Make the letters").click()

    expect(page.get_by_role("heading", name="Ready to print")).to_be_visible()
    expect(page.get_by_role("link", name="Print letters")).to_be_visible()
    batch = LetterBatch.objects.get()
    assert (batch.total, batch.rendered) == (2, 2)
    expect(page.get_by_role("row").filter(has_text="Maria Nowak")).to_contain_text("Polish")
    screenshot("letters-batch")
