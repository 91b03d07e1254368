"""The review screen in a browser, by keyboard: ticking a whole group, approving it, and a dismissal reason that
Enter does not turn into an approval; and a leader's whole morning, from the night's proposals to letters to print."""

import datetime as dt
import os
import zoneinfo

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from interventions import engine
from interventions.models import Proposal
from letters.models import Letter, LetterBatch
from tests.factories import PupilFactory
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_evaluate_command import history
from tests.interventions.test_review import EVALUATED, parent_of, proposal_for, reviewer_at
from tests.letters.conftest import pdf_text

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


@pytest.fixture
def nights_run(school_a, pupil_a):
    """Last night's run at Alpha Primary, from real marks: Ann (96 of 100 sessions, two of the four missed
    unauthorised) and Bo (48 of 50) fall below 97%, so the Omega policy proposes LON2 for each."""
    school_calendar(school_a)
    history(school_a, pupil_a, ["/"] * 40 + ["I", "I"] + ["/"] * 30 + ["O", "O"] + ["/"] * 26)
    parent_of(pupil_a, "Jo Able", contact__address="7 Mill Lane\nTownley", contact__postcode="TW1 4EF")
    bo = PupilFactory(school=school_a, legal_surname="Brook", legal_forename="Bo")
    history(school_a, bo, ["/"] * 48 + ["I", "I"])
    parent_of(bo, "Kit Brook")
    engine.commit_school(school_a, EVALUATED)
    assert sorted(Proposal.objects.values_list("rule", flat=True)) == ["omega.lon2", "omega.lon2"]
    return reviewer_at(school_a)


def test_a_lead_approves_the_nights_letters_and_prints_the_batch_with_the_same_figures(
    live_server, page, screenshot, nights_run, pupil_a
):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("attendance-lead")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(live_server.url + "/attendance/review/")

    letters = page.locator("#review-letter")
    ann = letters.get_by_role("row").filter(has_text="Able, Ann")
    expect(ann).to_contain_text("96.0% attendance (96 of 100 sessions)")
    expect(ann).to_contain_text("2 days absent")
    expect(ann).to_contain_text("2 unauthorised sessions")
    expect(ann).to_contain_text("Letter LON2")
    screenshot("review-04-nights-letters")

    letters.get_by_role("checkbox", name="All letters").focus()
    page.keyboard.press("Space")
    expect(letters.locator("[data-pick]:checked")).to_have_count(2)
    letters.get_by_role("button", name="Approve selected").focus()
    page.keyboard.press("Enter")

    status = page.get_by_role("status")
    expect(status).to_contain_text("2 approved: 2 letters in a letter batch.")
    status.get_by_role("link", name="Open the letter batch").focus()
    page.keyboard.press("Enter")

    # The render runs in the test's own process (Celery is eager in tests); the page says when it has finished.
    expect(page.get_by_role("heading", name="Ready to print")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approved on 26 November 2026: 2 letters")
    expect(page.get_by_role("row").filter(has_text="Ann Able")).to_contain_text("Jo Able")
    screenshot("review-05-batch-ready")

    print_letters = page.get_by_role("link", name="Print letters")
    with page.expect_popup() as opened:
        print_letters.focus()
        page.keyboard.press("Enter")
    href = print_letters.get_attribute("href")
    assert opened.value.url == live_server.url + href
    merged = page.request.get(live_server.url + href)
    assert merged.ok and merged.headers["content-type"] == "application/pdf"
    text = pdf_text(merged.body())

    # Ann's letter says what the review screen said, in sessions and days, to her parent, on the day it was approved.
    assert "Alpha Primary Trust A Jo Able 7 Mill Lane Townley TW1 4EF" in text
    assert "TW1 4EF 26 November 2026 Dear Jo Able," in text  # the letter's date, under the address
    assert "Pupil: Ann Able, Year 5" in text
    assert "Ann has attended 96 out of a possible 100 sessions" in text
    assert "Ann has missed 2 school days (4 sessions)" in text
    assert "Attended 96 out of a possible 100 sessions" in text
    assert "Days absent: 2 (4 sessions)" in text
    assert "Sessions of unauthorised absence: 2" in text
    assert "Attendance: 96%" in text
    # Bo's letter is in the same print run, to Bo's parent.
    assert "Dear Kit Brook," in text and "Bo has attended 48 out of a possible 50 sessions" in text

    batch = LetterBatch.objects.get()
    assert (batch.status, batch.total, batch.rendered) == (LetterBatch.Status.DONE, 2, 2)
    assert set(Proposal.objects.values_list("status", flat=True)) == {"approved"}

    page.goto(live_server.url + reverse("schools:pupil", args=[pupil_a.pk]))
    timeline = page.locator("#timeline")
    entry = timeline.get_by_role("row").filter(has_text="Letter LON2")
    expect(entry).to_contain_text("Post to Jo Able")
    expect(entry.get_by_role("link", name="Open the letter as sent")).to_have_attribute(
        "href", reverse("letters:letter_pdf", args=[Letter.objects.get(pupil=pupil_a).pk])
    )
