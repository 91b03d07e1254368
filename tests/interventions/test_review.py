"""Approving and dismissing the engine's proposals (interventions.review): each proposal is decided once, approval
carries out its actions once, a dismissal needs a reason and is remembered."""

import datetime as dt
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction

from interventions import review
from interventions.models import Case, Meeting, PenaltyNotice, Proposal, Task
from interventions.policies import trust_version
from interventions.policy_data import action_to_data
from interventions.thresholds import omega, waterton
from letters.models import Letter, LetterBatch
from schools.models import Role
from tests.factories import PupilContactFactory, PupilFactory, SchoolFactory, staff

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=LONDON)
EVALUATED = dt.date(2026, 11, 25)

# --- Shared with test_review_views.py, test_case.py, test_family.py and test_ledger.py -----------------------------

LON3_EVIDENCE = {
    "attended": 141,
    "possible": 150,
    "absent": 9,
    "unauthorised": 3,
    "attendance_pct": "94.0",
    "rule": "omega.lon3",
    "kind": "attendance_below",
    "threshold": "95",
    "window": "year_to_date",
    "policy": "Omega graduated response",
    "version": 1,
    "sessions": [["2026-11-02", "AM", "O"], ["2026-11-02", "PM", "O"], ["2026-10-05", "AM", "I"]],
}


def reviewer_at(school, username="attendance-lead", kind=Role.Kind.ATTENDANCE_LEAD):
    return staff(school.trust, kind, school, username=username)


def parent_of(pupil, name="Jo Able", relationship="Mother", **fields):
    """A contact with parental responsibility for `pupil` (pass contact= to share one with a sibling)."""
    return PupilContactFactory(
        pupil=pupil, relationship=relationship, **({"contact__name": name} if "contact" not in fields else {}), **fields
    ).contact


def proposal_for(pupil, school, rule="omega.lon3", *, policy=omega, evidence=None, on=EVALUATED, **fields):
    """A proposal made as the engine makes it: the preset rule's title, stage and actions, with a case."""
    the_rule = policy().rule(rule)
    case, _ = Case.objects.get_or_create(
        pupil=pupil, defaults={"trust": school.trust, "school": school, "stage": the_rule.stage or 0}
    )
    actions = [action_to_data(a) for a in the_rule.actions]
    kinds = {a["kind"] for a in actions}
    category = next(
        c
        for k, c in (
            ("penalty_notice", Proposal.Category.PENALTY),
            ("referral", Proposal.Category.REFERRAL),
            ("meeting", Proposal.Category.MEETING),
            ("letter", Proposal.Category.LETTER),
            ("task", Proposal.Category.TASK),
        )
        if k in kinds
    )
    values = {
        "trust": school.trust,
        "school": school,
        "case": case,
        "pupil": pupil,
        "policy_version": trust_version(school.trust),
        "evaluated_on": on,
        "rule": rule,
        "rule_kind": the_rule.kind.value,
        "title": the_rule.title,
        "stage": the_rule.stage,
        "category": category,
        "letter": next((a["code"] for a in actions if a["kind"] == "letter"), ""),
        "actions": actions,
        "evidence": evidence if evidence is not None else {**LON3_EVIDENCE, "rule": rule},
    }
    values.update(fields)
    return Proposal.objects.create(**values)


def notice(contact, pupil, school, issued_on, kind=PenaltyNotice.Kind.PENALTY_NOTICE, **fields):
    return PenaltyNotice.objects.create(
        trust=school.trust,
        school=school,
        pupil=pupil,
        contact=contact,
        kind=kind,
        reason=fields.pop("reason", PenaltyNotice.Reason.IRREGULAR_ATTENDANCE),
        issued_on=issued_on,
        amount=fields.pop("amount", Decimal("160") if kind == PenaltyNotice.Kind.PENALTY_NOTICE else None),
        **fields,
    )


# --- Approving ------------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def reviewer(school_a):
    return reviewer_at(school_a)


@pytest.fixture
def family(pupil_a):
    return parent_of(pupil_a, "Jo Able", "Mother"), parent_of(pupil_a, "Sam Able", "Father")


def test_approving_lon3_sends_its_letters_plans_the_meeting_and_gives_the_office_its_tasks(
    school_a, pupil_a, family, reviewer
):
    proposal = proposal_for(pupil_a, school_a, "omega.lon3")

    result = review.approve([proposal], reviewer)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.decided_at) == ("approved", reviewer, NOW)
    [batch] = result.batches
    assert batch.school == school_a and batch.created_by == reviewer and batch.total == 4
    assert sorted(Letter.objects.filter(proposal=proposal).values_list("code", "contact__name")) == [
        ("LON3", "Jo Able"),
        ("LON3", "Sam Able"),
        ("MEDICAL_EVIDENCE", "Jo Able"),
        ("MEDICAL_EVIDENCE", "Sam Able"),
    ]
    [meeting] = Meeting.objects.filter(pupil=pupil_a)
    assert (meeting.title, meeting.status, meeting.proposal, meeting.case) == (
        "Attendance Improvement Meeting",
        "planned",
        proposal,
        proposal.case,
    )
    assert meeting.attendees == "parents/carers, pupil if age appropriate, attendance lead"
    assert meeting.target_weeks == 4
    tasks = Task.objects.filter(pupil=pupil_a).order_by("key")
    assert [(t.kind, t.key, t.title) for t in tasks] == [
        ("case_action", f"proposal:{proposal.pk}:2", "Complete the Listening and Understanding Summary"),
        (
            "case_action",
            f"proposal:{proposal.pk}:4",
            "Send the Attendance Improvement Plan by post (hand deliver if parents did not attend)",
        ),
    ]
    assert all(t.assignee is None and t.due_at == NOW + dt.timedelta(days=7) for t in tasks)
    assert result.summary() == "1 approved: 2 letters in a letter batch, 1 meeting planned, 2 tasks for the office."


def test_approving_the_same_proposal_twice_acts_once(school_a, pupil_a, family, reviewer):
    proposal = proposal_for(pupil_a, school_a, "omega.lon3")
    review.approve([proposal], reviewer)

    again = review.approve([proposal], reviewer)

    assert (again.approved, again.already_decided, again.batches) == ([], 1, [])
    assert again.summary() == "Nothing approved: every proposal chosen had already been decided."
    assert Letter.objects.count() == 4 and LetterBatch.objects.count() == 1
    assert Meeting.objects.count() == 1 and Task.objects.count() == 2


def test_letters_approved_together_at_one_school_go_into_one_batch(school_a, pupil_a, family, reviewer):
    sister = PupilFactory(school=school_a, legal_forename="Bea")
    parent_of(sister, contact=family[0])
    first = proposal_for(pupil_a, school_a, "omega.lon2")
    second = proposal_for(sister, school_a, "omega.lon2")

    result = review.approve([first, second], reviewer)

    assert len(result.batches) == 1 and result.letters == 2
    assert Letter.objects.filter(batch=result.batches[0]).count() == 3  # Ann's two parents and Bea's mother
    assert result.summary() == "2 approved: 2 letters in a letter batch."


def test_letters_count_the_figures_to_the_day_their_proposal_was_made_and_are_dated_today(
    school_a, pupil_a, family, reviewer
):
    older = proposal_for(pupil_a, school_a, "omega.lon2", on=dt.date(2026, 11, 20))
    newer = proposal_for(pupil_a, school_a, "omega.lon3")

    result = review.approve([older, newer], reviewer)

    assert len(result.batches) == 2  # one per evaluation day, so each letter matches the figures its leader saw
    figures = {(letter.code, letter.figures["figures_to"], letter.figures["date"]) for letter in Letter.objects.all()}
    assert ("LON2", "20 November 2026", "26 November 2026") in figures
    assert ("LON3", "25 November 2026", "26 November 2026") in figures


def test_a_trust_lead_approving_at_two_schools_gets_a_batch_for_each(school_a, pupil_a, family, lead):
    other = SchoolFactory(trust=school_a.trust, name="Other Primary")
    pupil = PupilFactory(school=other)
    parent_of(pupil)

    result = review.approve(
        [proposal_for(pupil_a, school_a, "omega.lon2"), proposal_for(pupil, other, "omega.lon2")], lead
    )

    assert sorted(b.school.name for b in result.batches) == ["Alpha Primary", "Other Primary"]
    assert "2 letters in 2 letter batches" in result.summary()


def test_a_penalty_consideration_states_the_ledger_next_step_for_each_parent(school_a, pupil_a, family, reviewer):
    mother, father = family
    notice(father, pupil_a, school_a, dt.date(2025, 1, 10), status=PenaltyNotice.Status.PAID_21)
    notice(father, pupil_a, school_a, dt.date(2026, 3, 2))  # awaiting payment: it counts
    proposal = proposal_for(pupil_a, school_a, "omega.penalty_10_in_10")

    review.approve([proposal], reviewer)

    [task] = Task.objects.filter(pupil=pupil_a)
    assert (task.kind, task.key) == ("penalty_consideration", f"proposal:{proposal.pk}:0")
    assert (
        task.title == "Consider a penalty notice: 10 sessions coded G, N, O or U in 10 school weeks (National "
        "Framework for Penalty Notices); a count that relies on N codes is provisional until the reason is known"
    )
    assert task.why == (
        "Unauthorised absence: 10 sessions in 10 school weeks. Ledger: "
        "Jo Able (Mother): First penalty notice: £80 if paid within 21 days, £160 within 28 "
        "(or a Notice to Improve first where support is appropriate); "
        "Sam Able (Father): Prosecution or another legal intervention (no third notice): two penalty notices since "
        "10 January 2025, the limit within 3 years (until 9 January 2028)"
    )


def test_term_time_leave_goes_straight_to_a_notice_with_no_notice_to_improve(school_a, pupil_a, family, reviewer):
    proposal = proposal_for(
        pupil_a, school_a, "waterton.term_time_leave", policy=waterton, evidence={"leave_days": "5"}
    )

    review.approve([proposal], reviewer)

    [task] = Task.objects.filter(pupil=pupil_a)
    assert "Jo Able (Mother): First penalty notice" in task.why
    assert "Notice to Improve" not in task.why


def test_a_referral_becomes_a_referral_task_for_the_office(school_a, pupil_a, family, reviewer):
    proposal = proposal_for(pupil_a, school_a, "omega.section_19", evidence={"illness_days": "15"})

    review.approve([proposal], reviewer)

    [task] = Task.objects.filter(pupil=pupil_a)
    assert (task.kind, task.title) == ("referral", "Notify the local authority (section 19)")
    assert task.why == (
        "Illness absence of 15 school days (section 19). Notify the local authority: 15 school days of illness absence"
    )


def test_an_approval_that_cannot_make_its_letters_decides_nothing(school_a, pupil_a, family, reviewer):
    good = proposal_for(pupil_a, school_a, "omega.lon3")
    broken = proposal_for(
        PupilFactory(school=school_a), school_a, "omega.lon2", actions=[{"kind": "letter", "code": "NO_SUCH_LETTER"}]
    )

    with pytest.raises(ValueError, match="NO_SUCH_LETTER"):
        review.approve([good, broken], reviewer)

    assert set(Proposal.objects.values_list("status", flat=True)) == {"proposed"}
    assert not (Meeting.objects.exists() or Task.objects.exists() or Letter.objects.exists())


# --- Dismissing -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_dismissal_needs_a_reason(school_a, pupil_a, reviewer, reason):
    proposal = proposal_for(pupil_a, school_a)

    with pytest.raises(review.DismissalNeedsReason):
        review.dismiss([proposal], reviewer, reason)

    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_a_dismissal_is_remembered_with_its_reason_who_and_when(school_a, pupil_a, reviewer):
    proposals = [proposal_for(pupil_a, school_a, "omega.lon3"), proposal_for(pupil_a, school_a, "omega.section_19")]

    result = review.dismiss(proposals, reviewer, "  Hospital stay: medical evidence seen  ")

    assert result.summary() == "2 dismissed."
    rows = Proposal.objects.values_list("status", "dismissal_reason", "decided_by", "decided_at")
    assert set(rows) == {("dismissed", "Hospital stay: medical evidence seen", reviewer.pk, NOW)}
    assert not (Meeting.objects.exists() or Task.objects.exists() or Letter.objects.exists())


def test_a_dismissed_proposal_is_not_approved_afterwards(school_a, pupil_a, family, reviewer):
    proposal = proposal_for(pupil_a, school_a)
    review.dismiss([proposal], reviewer, "Known to the family support worker")

    result = review.approve([proposal], reviewer)

    assert result.already_decided == 1 and not Letter.objects.exists()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.dismissal_reason) == ("dismissed", "Known to the family support worker")


def test_the_database_refuses_a_dismissal_without_a_reason(school_a, pupil_a):
    proposal = proposal_for(pupil_a, school_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.DISMISSED)


@pytest.mark.django_db(transaction=True)
def test_two_leaders_approving_at_once_act_on_a_proposal_once(school_a, pupil_a, family):
    proposal = proposal_for(pupil_a, school_a, "omega.lon3")
    leaders = [reviewer_at(school_a, "lead-one"), reviewer_at(school_a, "lead-two", Role.Kind.HEADTEACHER)]
    results, errors = [], []

    def approve_as(user):
        try:
            results.append(review.approve([Proposal.objects.get(pk=proposal.pk)], user))
        except Exception as e:  # reported below: a thread's exception would otherwise be lost
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve_as, args=(user,)) for user in leaders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert sorted(len(r.approved) for r in results) == [0, 1]
    assert Meeting.objects.count() == 1 and Task.objects.count() == 2 and LetterBatch.objects.count() == 1


# --- What the review screen shows (no database) ---------------------------------------------------------------------


def test_key_figures_speak_in_attendance_sessions_and_days():
    assert review.key_figures(LON3_EVIDENCE) == [
        "94.0% attendance (141 of 150 sessions)",
        "4.5 days absent",
        "3 unauthorised sessions",
    ]


@pytest.mark.parametrize(
    ("evidence", "figures"),
    [
        ({"unauthorised_sessions": 11, "weeks": 10}, ["11 unauthorised sessions (G, N, O, U) in 10 school weeks"]),
        ({"u_sessions": 10, "weeks": 10}, ["10 late after registers closed (U) in 10 school weeks"]),
        ({"u_sessions_this_half_term": 5}, ["5 late after registers closed (U) this half-term"]),
        ({"days_without_contact": 20}, ["20 school days without contact"]),
        ({"leave_days": "5.5"}, ["5.5 school days of term-time leave (G)"]),
        ({"review": "missed", "from_stage": 1}, ["Targets missed at review"]),
        ({"absent": 10}, ["5 days absent"]),
    ],
)
def test_key_figures_give_each_rules_own_count(evidence, figures):
    assert review.key_figures(evidence) == figures


def test_the_sessions_that_count_are_read_oldest_first_and_malformed_rows_are_left_out():
    evidence = {"sessions": [["2026-11-02", "PM", "O"], ["2026-10-05", "AM", "I"], ["not a date", "AM", "O"], ["x"]]}

    assert review.counting_sessions(evidence) == [
        (dt.date(2026, 10, 5), "AM", "I"),
        (dt.date(2026, 11, 2), "PM", "O"),
    ]
    assert review.counting_sessions({}) == []


@pytest.mark.parametrize(("absent", "words"), [(2, "1 day absent"), (1, "0.5 days absent"), (6, "3 days absent")])
def test_days_absent_are_worded_in_the_singular_for_one_day(absent, words):
    assert words in review.key_figures({"absent": absent})


def test_every_figure_but_the_sessions_is_listed_with_a_label():
    details = dict(review.all_figures(LON3_EVIDENCE))

    assert details["Attendance %"] == "94.0" and details["Policy version"] == "1"
    assert len(details) == len(LON3_EVIDENCE) - 1  # every figure but the sessions


def test_what_approving_will_do_is_said_per_action():
    actions = [action_to_data(a) for a in omega().rule("omega.lon5").actions]

    assert review.action_labels(actions) == [
        "Letter LON5",
        "Task: Referral to the LA Attendance Support Team",
        "Task: consider a penalty notice (Fixed penalty/prosecution referral to the local authority as appropriate)",
        "Task: Consider in-school action such as PA classes (secondary only)",
    ]
