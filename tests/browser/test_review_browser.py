"""The review screen in a browser, by keyboard: ticking a whole group, approving it, and a dismissal reason that
Enter does not turn into an approval."""

import datetime as dt
import os
import zoneinfo

import pytest
from playwright.sync_api import expect

from interventions.models import Proposal
from tests.factories import PupilFactory
from tests.interventions.test_review import parent_of, proposal_for, reviewer_at

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _now(time_machine):
    # Ticking, so the browser's timeouts and the server's clocks still move.
    time_machine.move_to(dt.datetime(2026, 11, 26, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London")), tick=True)


@pytest.fixture
def waiting(school_a, pupil_a):
    """Two letters and a meeting waiting at Alpha Primary."""
    parent_of(pupil_a)
    proposal_for(pupil_a, school_a, "omega.lon2")
    other = PupilFactory(school=school_a, legal_surname="Brook", legal_forename="Bo")
    parent_of(other, "Kit Brook")
    proposal_for(other, school_a, "omega.lon2")
    proposal_for(PupilFactory(school=school_a, legal_surname="Cole"), school_a, "omega.lon3")
    return reviewer_at(school_a)


def test_a_lead_ticks_a_whole_group_by_keyboard_and_approves_it(live_server, page, screenshot, waiting):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("attendance-lead")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(live_server.url + "/attendance/review/")

    letters = page.locator("#review-letter")
    expect(letters.get_by_role("heading", level=2)).to_contain_text("Letters")
    select_all = letters.get_by_role("checkbox", name="All letters")
    expect(select_all).to_be_visible()
    select_all.focus()
    page.keyboard.press("Space")
    expect(letters.locator("[data-pick]:checked")).to_have_count(2)
    expect(page.locator("#review-meeting [data-pick]:checked")).to_have_count(0)
    screenshot("review-01-group-ticked")

    # Enter in the reason box must not approve anything: the form's default button does nothing.
    letters.get_by_label("Reason for dismissing (required to dismiss)").fill("typing a reason")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert set(Proposal.objects.values_list("status", flat=True)) == {"proposed"}

    letters.get_by_role("button", name="Approve selected").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("2 approved: 2 letters in a letter batch.")
    expect(page.get_by_role("status").get_by_role("link")).to_contain_text("Open the letter batch")
    expect(page.locator("#review-letter")).to_have_count(0)
    expect(page.locator("#review-meeting")).to_be_visible()
    screenshot("review-02-approved")

    page.locator("#review-meeting summary").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("table", name="The 3 sessions that count")).to_contain_text("Mon 2 Nov 2026")
    page.get_by_role("link", name="Ann Able").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ann Able")
    expect(page.locator("#proposals")).to_contain_text("Approved")
    expect(page.locator("#letters")).to_contain_text("LON2")
    screenshot("review-03-case")
    assert sorted(Proposal.objects.values_list("rule", "status")) == [
        ("omega.lon2", "approved"),
        ("omega.lon2", "approved"),
        ("omega.lon3", "proposed"),
    ]
