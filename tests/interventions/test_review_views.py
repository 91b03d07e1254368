"""The review screen: proposals grouped with their evidence, approved or dismissed singly or in bulk, for the school's
reviewers only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions.engine import commit_school
from interventions.models import Meeting, Proposal
from interventions.thresholds import odst
from letters.models import Letter, LetterBatch
from schools.models import Role
from tests.factories import PupilFactory, SchoolFactory, staff
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_evaluate_command import ON, history
from tests.interventions.test_review import NOW, parent_of, proposal_for, reviewer_at

REVIEW = reverse("interventions:review")
APPROVE = reverse("interventions:review_approve")
DISMISS = reverse("interventions:review_dismiss")


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def reviewer(school_a):
    return reviewer_at(school_a)


@pytest.fixture
def signed_in(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def parent(pupil_a):
    return parent_of(pupil_a)


def statuses():
    return dict(Proposal.objects.values_list("rule", "status"))


def test_proposals_are_grouped_penalty_referral_meeting_letter_then_task(signed_in, school_a, pupil_a):
    for rule in ("omega.lon2", "omega.lon3", "omega.section_19", "omega.penalty_10_in_10"):
        proposal_for(pupil_a, school_a, rule)
    proposal_for(PupilFactory(school=school_a), school_a, "odst.below_target", policy=odst)

    response = signed_in.get(REVIEW)

    assert [g.group.category for g in response.context["groups"]] == [
        "penalty",
        "referral",
        "meeting",
        "letter",
        "task",
    ]
    html = response.content.decode()
    headings = [
        "Penalty notice considerations <span",
        "Referrals <span",
        "Meetings <span",
        "Letters <span",
        "Tasks <span",
    ]
    assert [html.index(h) for h in headings] == sorted(html.index(h) for h in headings)
    assert "5 proposals waiting" in html


def test_each_row_shows_the_pupil_the_rule_the_key_figures_and_the_evidence(signed_in, school_a, pupil_a):
    proposal = proposal_for(pupil_a, school_a, "omega.lon3")

    html = signed_in.get(REVIEW).content.decode()

    assert f'href="{reverse("interventions:case", args=[pupil_a.pk])}">Able, Ann</a>' in html
    assert "Below 95%" in html and "<li>Stage 2</li>" in html and "<li>Letter LON3</li>" in html
    assert "94.0% attendance (141 of 150 sessions)" in html and "4.5 days absent" in html
    assert "3 unauthorised sessions" in html
    assert "Omega graduated response, version 1" in html
    assert "<summary>Evidence" in html and "3 sessions count: " in html
    sessions = signed_in.get(reverse("interventions:proposal_sessions", args=[proposal.pk])).content.decode()
    assert "<td>Mon 2 Nov 2026</td><td>PM</td>" in sessions
    assert "Plan the Attendance Improvement Meeting" in html
    assert f'name="proposal" value="{proposal.pk}"' in html
    assert f'name="reason_{proposal.pk}"' in html


def test_with_nothing_waiting_the_page_says_when_the_next_evaluation_runs(signed_in):
    html = signed_in.get(REVIEW).content.decode()

    assert "No proposals waiting. The next evaluation runs tonight." in html
    assert "Nothing decided yet at this school." in html


def test_one_row_is_approved_on_its_own_and_the_message_links_to_the_letter_batch(signed_in, school_a, pupil_a, parent):
    lon2 = proposal_for(pupil_a, school_a, "omega.lon2")
    proposal_for(pupil_a, school_a, "omega.section_19")

    response = signed_in.post(APPROVE, {"only": lon2.pk, "proposal": [], "school": school_a.pk}, follow=True)

    assert response.redirect_chain == [(f"{REVIEW}?school={school_a.pk}", 302)]
    assert statuses() == {"omega.lon2": "approved", "omega.section_19": "proposed"}
    batch = LetterBatch.objects.get()
    html = response.content.decode()
    assert "1 approved: 1 letter in a letter batch." in html
    assert f'<a href="{reverse("letters:batch", args=[batch.pk])}">Open the letter batch: ' in html


def test_ticked_proposals_are_approved_together(signed_in, school_a, pupil_a, parent):
    ids = [proposal_for(pupil_a, school_a, r).pk for r in ("omega.lon3", "omega.section_19")]

    response = signed_in.post(APPROVE, {"proposal": ids, "school": school_a.pk}, follow=True)

    assert set(statuses().values()) == {"approved"}
    assert "2 approved: 2 letters in a letter batch, 1 meeting planned, 3 tasks for the office." in (
        response.content.decode()
    )
    assert Meeting.objects.count() == 1


def test_approving_with_nothing_ticked_says_so_and_changes_nothing(signed_in, school_a, pupil_a):
    proposal_for(pupil_a, school_a)

    response = signed_in.post(APPROVE, {"school": school_a.pk}, follow=True)

    assert "Nothing approved: tick at least one proposal first." in response.content.decode()
    assert statuses() == {"omega.lon3": "proposed"}


def test_dismissing_ticked_proposals_without_a_reason_is_refused_and_keeps_the_choice(signed_in, school_a, pupil_a):
    chosen = proposal_for(pupil_a, school_a, "omega.lon2")
    other = proposal_for(pupil_a, school_a, "omega.lon1", evidence={"attendance_pct": "97.5"})

    response = signed_in.post(DISMISS, {"proposal": [chosen.pk], "reason": "  ", "school": school_a.pk})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Give a reason for the dismissal: it is kept on the pupil&#x27;s case." in html
    assert f'value="{chosen.pk}" id="pick-{chosen.pk}" checked' in html
    assert f'value="{other.pk}" id="pick-{other.pk}" data-pick' in html
    assert 'aria-invalid="true" aria-describedby="reason-letter-error"' in html
    assert set(statuses().values()) == {"proposed"}


def test_a_row_dismissed_on_its_own_takes_its_own_reason_and_is_listed_as_decided(
    signed_in, reviewer, school_a, pupil_a
):
    chosen = proposal_for(pupil_a, school_a, "omega.lon2")
    proposal_for(pupil_a, school_a, "omega.section_19")

    response = signed_in.post(
        DISMISS,
        {"only": chosen.pk, f"reason_{chosen.pk}": "Ill in hospital", "reason": "", "school": school_a.pk},
        follow=True,
    )

    assert statuses() == {"omega.lon2": "dismissed", "omega.section_19": "proposed"}
    html = response.content.decode()
    assert "1 dismissed." in html
    recent = html[html.index("Recently decided") :]
    assert "Dismissed</span>" in recent and "Ill in hospital" in recent and "attendance-lead" in recent


def test_a_row_dismissed_without_its_reason_opens_that_row_with_the_error(signed_in, school_a, pupil_a):
    chosen = proposal_for(pupil_a, school_a, "omega.lon2")

    response = signed_in.post(DISMISS, {"only": chosen.pk, "reason": "the bulk reason is not this row's"})

    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="review-dismiss" open>' in html
    assert f'id="reason-{chosen.pk}-error">Give a reason for the dismissal' in html
    assert statuses() == {"omega.lon2": "proposed"}


def test_a_lead_of_another_school_cannot_see_or_decide_this_schools_proposals(client, school_a, pupil_a, parent):
    proposal = proposal_for(pupil_a, school_a)
    elsewhere = reviewer_at(SchoolFactory(trust=school_a.trust, name="Gamma School"), "gamma-lead")
    client.force_login(elsewhere)

    assert client.get(REVIEW, {"school": school_a.pk}).status_code == 404
    assert "Able" not in client.get(REVIEW).content.decode()
    assert client.post(APPROVE, {"proposal": [proposal.pk]}).status_code == 404
    assert client.post(DISMISS, {"only": proposal.pk, f"reason_{proposal.pk}": "No"}).status_code == 404
    assert statuses() == {"omega.lon3": "proposed"} and not Letter.objects.exists()


def test_a_bulk_decision_naming_one_proposal_of_another_school_decides_none(signed_in, school_a, pupil_a):
    mine = proposal_for(pupil_a, school_a, "omega.lon2")
    other_school = SchoolFactory(trust=school_a.trust)
    theirs = proposal_for(PupilFactory(school=other_school), other_school, "omega.lon2")

    response = signed_in.post(DISMISS, {"proposal": [mine.pk, theirs.pk], "reason": "Not needed"})

    assert response.status_code == 404
    assert set(statuses().values()) == {"proposed"}


@pytest.mark.parametrize("kind", [Role.Kind.ATTENDANCE_OFFICER, Role.Kind.TEACHER, Role.Kind.DSL])
def test_staff_who_do_not_review_are_told_the_page_is_not_for_them(client, school_a, pupil_a, kind):
    proposal = proposal_for(pupil_a, school_a)
    client.force_login(staff(school_a.trust, kind, school_a, username="someone"))

    response = client.get(REVIEW)

    assert response.status_code == 403
    assert "None of your roles reviews proposals at a school" in response.content.decode()
    assert client.post(APPROVE, {"proposal": [proposal.pk]}).status_code == 404


def test_the_review_page_reads_the_same_number_of_queries_however_many_proposals(signed_in, reviewer, school_a):
    def add(rules):
        for rule in rules:
            proposal_for(PupilFactory(school=school_a), school_a, rule)
        decided = proposal_for(PupilFactory(school=school_a), school_a, "omega.lon2")
        Proposal.objects.filter(pk=decided.pk).update(
            status="dismissed", dismissal_reason="Seen", decided_by=reviewer, decided_at=NOW
        )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(REVIEW).status_code == 200
        return len(captured)

    add(["omega.lon3", "omega.section_19", "omega.penalty_10_in_10"])
    three = queries()
    add(["omega.lon3", "omega.section_19", "omega.penalty_10_in_10"])

    assert queries() == three


def test_the_nightly_runs_proposals_are_reviewed_and_approved_end_to_end(signed_in, school_a, reviewer):
    school_calendar(school_a)
    pupil = PupilFactory(school=school_a, upn="A000000000001", legal_surname="Dee", legal_forename="Dana")
    parent_of(pupil, "Pat Dee")
    history(school_a, pupil, ["/"] * 47 + ["I"] * 3)  # 94%: LON3
    commit_school(school_a, ON)

    html = signed_in.get(REVIEW).content.decode()
    [proposal] = Proposal.objects.filter(pupil=pupil)
    assert "Dee, Dana" in html and "Below 95%" in html
    assert "94.0% attendance (47 of 50 sessions)" in html and "3 sessions count: " in html

    signed_in.post(APPROVE, {"proposal": [proposal.pk], "school": school_a.pk})

    assert sorted(Letter.objects.filter(pupil=pupil).values_list("code", flat=True)) == ["LON3", "MEDICAL_EVIDENCE"]
    assert Meeting.objects.get(pupil=pupil).status == "planned"


def test_another_trusts_head_cannot_decide_this_trusts_proposals(client, outsider, school_a, pupil_a):
    proposal = proposal_for(pupil_a, school_a)
    client.force_login(outsider)

    assert "Able" not in client.get(REVIEW).content.decode()
    assert client.post(APPROVE, {"only": proposal.pk}).status_code == 404
    assert client.post(DISMISS, {"only": proposal.pk, f"reason_{proposal.pk}": "Not ours"}).status_code == 404
    assert statuses() == {"omega.lon3": "proposed"}


def test_the_review_screen_loads_each_proposals_sessions_when_its_evidence_is_opened(client, school_a, pupil_a):
    reviewer = reviewer_at(school_a)
    proposal = proposal_for(pupil_a, school_a, "omega.lon3")
    client.force_login(reviewer)

    page = client.get(reverse("interventions:review")).content.decode()
    sessions = client.get(reverse("interventions:proposal_sessions", args=[proposal.pk])).content.decode()

    assert reverse("interventions:proposal_sessions", args=[proposal.pk]) in page
    assert "Mon 2 Nov 2026" not in page  # the sessions table is not sent until asked for
    assert "The 3 sessions that count" in sessions and "Mon 2 Nov 2026" in sessions


def test_another_schools_lead_cannot_read_a_proposals_sessions(client, school_a, pupil_a):
    other = SchoolFactory(trust=school_a.trust, name="Other Primary")
    proposal = proposal_for(pupil_a, school_a, "omega.lon3")
    client.force_login(reviewer_at(other, "other-lead"))

    assert client.get(reverse("interventions:proposal_sessions", args=[proposal.pk])).status_code == 404
