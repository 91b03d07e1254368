"""A pupil's case page: the stage, every proposal with its decision, meetings recorded as held with targets and a
review day, letters, tasks, and the penalty-notice ledger per parent."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import review
from interventions.models import Case, Meeting, PenaltyNotice
from letters.models import Letter
from schools.models import Role
from tests.factories import PupilFactory, SchoolFactory, staff
from tests.interventions.test_review import NOW, notice, parent_of, proposal_for, reviewer_at

TODAY = NOW.date()


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
def mother(pupil_a):
    return parent_of(pupil_a, "Jo Able", "Mother")


def case_url(pupil):
    return reverse("interventions:case", args=[pupil.pk])


def test_the_case_shows_the_stage_by_the_policys_name_for_it_and_every_decision(signed_in, reviewer, school_a, pupil_a):
    lon3 = proposal_for(pupil_a, school_a, "omega.lon3")
    lon2 = proposal_for(pupil_a, school_a, "omega.lon2", on=dt.date(2026, 10, 7))
    Case.objects.filter(pupil=pupil_a).update(stage=2, stage_since=dt.date(2026, 11, 25))
    review.dismiss([lon2], reviewer, "Bereavement in the family")

    html = signed_in.get(case_url(pupil_a)).content.decode()

    assert "Stage 2: Below 95%" in html and "Since 25 November 2026." in html
    assert html.index(f'id="proposal-{lon3.pk}"') < html.index(f'id="proposal-{lon2.pk}"')
    assert "Awaiting review</span>" in html
    assert "Dismissed</span>" in html and "Reason: Bereavement in the family" in html
    assert "94.0% attendance (141 of 150 sessions)" in html and "<summary>Evidence" in html


def test_a_pupil_with_no_case_is_not_on_the_ladder(signed_in, pupil_a):
    html = signed_in.get(case_url(pupil_a)).content.decode()

    assert "Not on the ladder" in html
    assert "The graduated response has proposed nothing for Ann Able yet." in html


def test_an_approved_proposals_meeting_letters_and_tasks_are_on_the_case(
    signed_in, reviewer, school_a, pupil_a, mother
):
    review.approve([proposal_for(pupil_a, school_a, "omega.lon3")], reviewer)
    rendered = Letter.objects.get(code="LON3")
    Letter.objects.filter(pk=rendered.pk).update(pdf=b"%PDF-1.7", rendered_at=timezone.now())

    html = signed_in.get(case_url(pupil_a)).content.decode()

    assert 'Attendance Improvement Meeting <span class="tag tag--planned">Planned</span>' in html
    assert "Record the meeting as held" in html
    assert f'href="{reverse("letters:letter_pdf", args=[rendered.pk])}">PDF' in html
    assert "MEDICAL_EVIDENCE" in html and "Queued" in html
    assert "Complete the Listening and Understanding Summary" in html and "not yet taken" in html


def test_a_meeting_is_recorded_as_held_with_the_review_at_the_end_of_the_target_period(
    signed_in, reviewer, school_a, pupil_a, mother
):
    review.approve([proposal_for(pupil_a, school_a, "omega.lon3")], reviewer)
    meeting = Meeting.objects.get()
    url = reverse("interventions:meeting_held", args=[meeting.pk])
    prefix = f"meeting-{meeting.pk}"

    response = signed_in.post(
        url,
        {f"{prefix}-held_on": "2026-11-24", f"{prefix}-target_pct": "96", f"{prefix}-target_weeks": "6"},
        follow=True,
    )

    meeting.refresh_from_db()
    assert (meeting.status, meeting.held_on, meeting.target_pct, meeting.target_weeks, meeting.review_on) == (
        "held",
        dt.date(2026, 11, 24),
        Decimal("96"),
        6,
        dt.date(2027, 1, 5),
    )
    html = response.content.decode()
    assert "recorded as held on 24 November 2026: target 96% over 6 weeks, reviewed on 5 January 2027." in html

    again = signed_in.post(
        url,
        {f"{prefix}-held_on": "2026-11-25", f"{prefix}-target_pct": "90", f"{prefix}-target_weeks": "4"},
        follow=True,
    )
    assert "This meeting was already recorded as held or cancelled." in again.content.decode()
    meeting.refresh_from_db()
    assert meeting.held_on == dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"held_on": "2026-11-27", "target_pct": "95", "target_weeks": "4"}, "on a day still to come"),
        ({"held_on": "2026-11-24", "target_pct": "95", "target_weeks": "3"}, "greater than or equal to 4"),
        ({"held_on": "2026-11-24", "target_pct": "101", "target_weeks": "4"}, "less than or equal to 100"),
        (
            {"held_on": "2026-11-24", "target_pct": "95", "target_weeks": "4", "review_on": "2026-11-20"},
            "The review comes after the meeting.",
        ),
    ],
)
def test_a_meeting_record_with_a_mistake_is_refused_with_the_error_and_nothing_saved(
    signed_in, reviewer, school_a, pupil_a, data, error
):
    review.approve([proposal_for(pupil_a, school_a, "omega.lon3")], reviewer)
    meeting = Meeting.objects.get()
    prefix = f"meeting-{meeting.pk}"

    response = signed_in.post(
        reverse("interventions:meeting_held", args=[meeting.pk]), {f"{prefix}-{k}": v for k, v in data.items()}
    )

    assert response.status_code == 400
    assert error in response.content.decode()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.held_on) == ("planned", None)


def test_a_planned_meeting_can_be_cancelled_with_why(signed_in, reviewer, school_a, pupil_a):
    review.approve([proposal_for(pupil_a, school_a, "omega.lon3")], reviewer)
    meeting = Meeting.objects.get()

    response = signed_in.post(
        reverse("interventions:meeting_cancel", args=[meeting.pk]), {"reason": "Family moved away"}, follow=True
    )

    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and meeting.notes.endswith("Cancelled: Family moved away")
    assert "Attendance Improvement Meeting cancelled." in response.content.decode()


def test_a_notice_is_recorded_on_the_case_with_the_ledgers_amount(signed_in, reviewer, school_a, pupil_a, mother):
    response = signed_in.post(
        reverse("interventions:record_notice", args=[pupil_a.pk]),
        {
            "notice-contact": mother.pk,
            "notice-kind": "penalty_notice",
            "notice-reason": "irregular_attendance",
            "notice-issued_on": "2026-11-26",
        },
        follow=True,
    )

    [recorded] = PenaltyNotice.objects.all()
    assert (recorded.contact, recorded.amount, recorded.recorded_by, recorded.school) == (
        mother,
        Decimal("160"),
        reviewer,
        school_a,
    )
    html = response.content.decode()
    assert "Penalty notice to Jo Able for Ann Able, issued 26 November 2026, recorded." in html
    assert "First penalty notice" in html and "£80 by 17 Dec 2026" in html
    assert "Next step:</strong> Second penalty notice: £160 within 28 days" in html


def test_a_third_notice_is_refused_on_the_page_and_nothing_is_saved(signed_in, school_a, pupil_a, mother):
    notice(mother, pupil_a, school_a, dt.date(2025, 1, 10))
    notice(mother, pupil_a, school_a, dt.date(2026, 3, 2))

    response = signed_in.post(
        reverse("interventions:record_notice", args=[pupil_a.pk]),
        {
            "notice-contact": mother.pk,
            "notice-kind": "penalty_notice",
            "notice-reason": "irregular_attendance",
            "notice-issued_on": "2026-11-26",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "A third penalty notice cannot be issued to Jo Able for Ann Able" in html
    assert "Nothing was saved." in html
    assert "Next step:</strong> Prosecution or another legal intervention" in html
    assert PenaltyNotice.objects.count() == 2


def test_a_notice_to_improve_without_its_improvement_period_is_refused(signed_in, pupil_a, mother):
    response = signed_in.post(
        reverse("interventions:record_notice", args=[pupil_a.pk]),
        {
            "notice-contact": mother.pk,
            "notice-kind": "notice_to_improve",
            "notice-reason": "irregular_attendance",
            "notice-issued_on": "2026-11-26",
        },
    )

    assert response.status_code == 400
    assert "A Notice to Improve needs an improvement period of 3 to 6 weeks." in response.content.decode()
    assert not PenaltyNotice.objects.exists()


def test_a_notices_status_is_updated_from_the_ledger(signed_in, school_a, pupil_a, mother):
    issued = notice(mother, pupil_a, school_a, dt.date(2026, 11, 2))
    prefix = f"notice-{issued.pk}"

    response = signed_in.post(
        reverse("interventions:notice_status", args=[issued.pk]),
        {f"{prefix}-status": "paid_21", f"{prefix}-note": "Paid by card", "next": case_url(pupil_a)},
        follow=True,
    )

    issued.refresh_from_db()
    assert (issued.status, issued.note) == ("paid_21", "Paid by card")
    assert "Penalty notice to Jo Able for Ann Able: paid within 21 days." in response.content.decode()


def test_the_attendance_office_reads_the_case_but_only_reviewers_record(client, school_a, pupil_a, mother):
    issued = notice(mother, pupil_a, school_a, dt.date(2026, 11, 2))
    client.force_login(staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer"))

    html = client.get(case_url(pupil_a)).content.decode()

    assert "Record a notice issued" not in html and "Change status" not in html
    assert client.post(reverse("interventions:record_notice", args=[pupil_a.pk]), {}).status_code == 403
    assert client.post(reverse("interventions:notice_status", args=[issued.pk]), {}).status_code == 403


@pytest.mark.parametrize("who", ["teacher", "other school's head"])
def test_a_case_at_none_of_the_users_schools_does_not_exist_for_them(client, school_a, pupil_a, teacher, who):
    user = teacher
    if who == "other school's head":
        user = staff(school_a.trust, Role.Kind.HEADTEACHER, SchoolFactory(trust=school_a.trust), username="other")
    client.force_login(user)

    assert client.get(case_url(pupil_a)).status_code == 404
    assert client.get(reverse("interventions:family", args=[pupil_a.pk])).status_code == 404


def test_a_trust_lead_sees_any_case_of_the_trust(client, lead, school_a):
    pupil = PupilFactory(school=SchoolFactory(trust=school_a.trust))
    client.force_login(lead)

    assert client.get(case_url(pupil)).status_code == 200


def test_the_case_page_reads_the_same_number_of_queries_however_long_the_history(
    signed_in, reviewer, school_a, pupil_a, mother
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(case_url(pupil_a)).status_code == 200
        return len(captured)

    def add_history(on):
        review.approve([proposal_for(pupil_a, school_a, "omega.lon3", on=on)], reviewer)
        review.dismiss([proposal_for(pupil_a, school_a, "omega.lon2", on=on)], reviewer, "Seen")
        notice(mother, pupil_a, school_a, on)

    add_history(dt.date(2026, 9, 14))
    before = queries()
    add_history(dt.date(2026, 10, 12))

    assert queries() == before
