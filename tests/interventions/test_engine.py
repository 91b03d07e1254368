"""The nightly run for one school (interventions.engine.commit_school): cases carry the stage from night to night,
meeting targets are reviewed on their day, and every proposal names the policy version it was made under."""

import datetime as dt
from decimal import Decimal

import pytest

from interventions import policies
from interventions.engine import category_of, commit_school, dry_run
from interventions.models import Case, EvaluationRun, Meeting, PolicyVersion, Proposal
from interventions.policy_data import policy_to_data
from interventions.thresholds import ActionKind
from schools.models import SchoolDay
from tests.factories import PupilFactory, SchoolFactory, TrustFactory
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_evaluate_command import ON, history
from tests.interventions.test_facts import record

FRIDAY = dt.date(2026, 11, 27)


@pytest.fixture
def omega(school_a):
    school_calendar(school_a)
    return school_a


@pytest.fixture
def waterton(school_b):
    school_calendar(school_b)
    return school_b


def school_days(school, start, end):
    return list(
        SchoolDay.objects.filter(school=school, date__range=(start, end))
        .order_by("date")
        .values_list("date", flat=True)
    )


def proposed(school, on):
    return sorted(Proposal.objects.filter(school=school, evaluated_on=on).values_list("pupil__upn", "rule"))


def test_a_stage_is_not_proposed_again_while_the_pupil_stays_in_it(omega):
    pupil = PupilFactory(school=omega, upn="A000000000001")
    history(omega, pupil, ["/"] * 47 + ["I"] * 3)  # 94%
    commit_school(omega, ON)
    record(omega, pupil, {dt.date(2026, 11, 26): ("/", "\\")})

    commit_school(omega, dt.date(2026, 11, 26))

    assert proposed(omega, ON) == [("A000000000001", "omega.lon3")]
    assert proposed(omega, dt.date(2026, 11, 26)) == []
    assert Case.objects.get(pupil=pupil).stage == 2


def test_a_pupil_who_recovers_and_falls_again_is_proposed_the_stage_again(omega):
    pupil = PupilFactory(school=omega, upn="A000000000001")
    history(omega, pupil, ["/"] * 58 + ["I"] * 2)  # 96.7%: LON2
    commit_school(omega, dt.date(2026, 11, 20))
    assert Case.objects.get(pupil=pupil).stage == 1

    record(omega, pupil, {d: ("/", "\\") for d in school_days(omega, dt.date(2026, 11, 23), dt.date(2026, 12, 4))})
    commit_school(omega, dt.date(2026, 12, 4))  # 78 of 80: 97.5%
    case = Case.objects.get(pupil=pupil)
    assert (case.stage, case.stage_since) == (0, dt.date(2026, 12, 4))

    record(omega, pupil, {dt.date(2026, 12, 7): ("I", "I")})
    commit_school(omega, dt.date(2026, 12, 7))  # 78 of 82: 95.1%

    assert proposed(omega, dt.date(2026, 12, 7)) == [("A000000000001", "omega.lon2")]


def test_a_waterton_stage_1_meeting_whose_targets_are_missed_brings_stage_2(waterton):
    pupil = PupilFactory(school=waterton, upn="B000000000001")
    history(waterton, pupil, ["/"] * 44 + ["O"] * 6)  # 88%: Stage 1
    commit_school(waterton, ON)
    assert proposed(waterton, ON) == [("B000000000001", "waterton.stage1")]
    case = Case.objects.get(pupil=pupil)
    review_day = dt.date(2026, 12, 9)
    meeting = Meeting.objects.create(
        trust=waterton.trust,
        school=waterton,
        case=case,
        pupil=pupil,
        kind="stage1_review",
        title="Stage 1 review",
        status=Meeting.Status.HELD,
        held_on=ON,
        target_pct=Decimal("95"),
        target_weeks=2,
        review_on=review_day,
    )
    days = school_days(waterton, dt.date(2026, 11, 26), review_day)
    record(waterton, pupil, {d: ("/", "I") for d in days})  # half the sessions in the review period

    commit_school(waterton, review_day)

    assert proposed(waterton, review_day) == [("B000000000001", "waterton.stage2")]
    meeting.refresh_from_db()
    assert meeting.outcome == Meeting.Outcome.MISSED
    assert Case.objects.get(pupil=pupil).stage == 2


def test_an_omega_pupil_who_meets_the_meeting_targets_is_proposed_lon6(omega):
    pupil = PupilFactory(school=omega, upn="A000000000001")
    history(omega, pupil, ["/"] * 47 + ["I"] * 3)  # 94%: LON3, stage 2
    commit_school(omega, ON)
    review_day = dt.date(2026, 12, 9)
    Meeting.objects.create(
        trust=omega.trust,
        school=omega,
        case=Case.objects.get(pupil=pupil),
        pupil=pupil,
        kind="attendance_improvement",
        title="Attendance improvement meeting",
        status=Meeting.Status.HELD,
        held_on=ON,
        target_pct=Decimal("97"),
        target_weeks=2,
        review_on=review_day,
    )
    record(omega, pupil, {d: ("/", "\\") for d in school_days(omega, dt.date(2026, 11, 26), review_day)})

    commit_school(omega, review_day)

    assert ("A000000000001", "omega.lon6") in proposed(omega, review_day)


def test_the_weekly_acknowledgement_is_proposed_on_the_last_school_day_of_the_week(omega):
    pupil = PupilFactory(school=omega, upn="A000000000001")
    record(omega, pupil, {d: ("/", "\\") for d in school_days(omega, dt.date(2026, 9, 2), FRIDAY)})

    commit_school(omega, ON)
    commit_school(omega, FRIDAY)

    assert proposed(omega, ON) == []
    assert proposed(omega, FRIDAY) == [("A000000000001", "omega.weekly_100")]


def test_a_penalty_consideration_keeps_the_sessions_that_count(omega):
    pupil = PupilFactory(school=omega, upn="A000000000001")
    history(omega, pupil, ["/"] * 40)
    days = school_days(omega, dt.date(2026, 11, 16), dt.date(2026, 11, 20))
    record(omega, pupil, {d: ("O", "O") for d in days})

    commit_school(omega, dt.date(2026, 11, 20))

    proposal = Proposal.objects.get(pupil=pupil, rule="omega.penalty_10_in_10")
    assert proposal.category == Proposal.Category.PENALTY
    assert proposal.evidence["unauthorised_sessions"] == 10
    assert proposal.evidence["sessions"][0] == ["2026-11-16", "AM", "O"]
    assert len(proposal.evidence["sessions"]) == 10


def test_each_proposal_names_the_policy_version_in_force(omega, lead):
    pupil = PupilFactory(school=omega)
    history(omega, pupil, ["/"] * 48 + ["I"] * 2)  # 96%: LON2 under the preset
    document = policy_to_data(policies.policy_of(policies.trust_version(omega.trust)))
    for rule in document["rules"]:
        if rule["code"] == "omega.lon3":
            rule["threshold"] = "96.5"
    draft = policies.save_draft(omega.trust, document, lead, note="LON3 below 96.5%")
    assert dry_run(omega, ON)[pupil.pk].proposals[0].rule == "omega.lon2"

    policies.adopt(draft, lead)
    commit_school(omega, ON)

    proposal = Proposal.objects.get(pupil=pupil)
    assert (proposal.rule, proposal.policy_version) == ("omega.lon3", draft)
    assert EvaluationRun.objects.get(school=omega).policy_version == draft


def test_a_run_touches_only_its_own_trusts_cases(omega):
    other_trust = TrustFactory(slug="other")
    other_school = SchoolFactory(trust=other_trust)
    school_calendar(other_school)
    theirs = PupilFactory(school=other_school)
    history(other_school, theirs, ["/"] * 47 + ["I"] * 3)
    ours = PupilFactory(school=omega)
    history(omega, ours, ["/"] * 47 + ["I"] * 3)

    commit_school(omega, ON)

    assert list(Case.objects.values_list("pupil", flat=True)) == [ours.pk]
    assert PolicyVersion.objects.filter(trust=other_trust).count() == 0


@pytest.mark.parametrize(
    ("kinds", "category"),
    [
        ([ActionKind.LETTER, ActionKind.MEETING, ActionKind.TASK], Proposal.Category.MEETING),
        ([ActionKind.LETTER, ActionKind.REFERRAL, ActionKind.PENALTY_NOTICE], Proposal.Category.PENALTY),
        ([ActionKind.LETTER], Proposal.Category.LETTER),
        ([ActionKind.TASK], Proposal.Category.TASK),
    ],
)
def test_a_proposal_is_grouped_by_its_most_serious_action(kinds, category):
    assert category_of(kinds) == category
