"""The engine's figures for every pupil of a school, read from the database: hand-built marks on the Autumn 2026
calendar (2 Sep - 23 Oct, half-term holiday 26 - 30 Oct, 2 Nov - 18 Dec), checked against figures worked by hand.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interventions.facts import due_on, facts_for_school, policy_for, recent_school_weeks
from interventions.models import ContactAttempt
from interventions.thresholds import Cadence, Kind, Policy, PupilFacts, Rule
from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from registers.statistics import SessionCounts
from schools.models import Enrolment, SchoolDay
from schools.services import rebuild_school_days
from tests.factories import EnrolmentFactory, HalfTermFactory, PupilFactory, SchoolFactory, TrustFactory
from tests.interventions.test_day1 import school_calendar

LONDON = zoneinfo.ZoneInfo("Europe/London")
ON = dt.date(2026, 11, 25)  # a Wednesday

# Two window sizes of each kind: 10 school weeks up to ON start on Mon 14 Sep, 5 on Mon 19 Oct, because the
# holiday week of 26 Oct is not a school week (counting calendar weeks would give 21 Sep and 26 Oct).
POLICY = Policy(
    "Windows",
    1,
    (
        Rule("t.unauthorised_10", Kind.UNAUTHORISED_IN_WEEKS, (), threshold=10, weeks=10),
        Rule("t.unauthorised_5", Kind.UNAUTHORISED_IN_WEEKS, (), threshold=10, weeks=5),
        Rule("t.late_10", Kind.PERSISTENT_LATENESS, (), threshold=10, weeks=10),
        Rule("t.late_5", Kind.PERSISTENT_LATENESS, (), threshold=10, weeks=5),
    ),
)


def day(month, d):
    return dt.date(2026, month, d)


def record(school, pupil, marks):
    """`marks`: {date: "AM" code, or (AM code, PM code)}; a PM code of None leaves the afternoon unmarked."""
    inputs = []
    for date, codes in marks.items():
        am, pm = codes if isinstance(codes, tuple) else (codes, None)
        inputs.append(MarkInput(pupil.pk, date, "AM", am))
        if pm is not None:
            inputs.append(MarkInput(pupil.pk, date, "PM", pm))
    upsert_marks(school=school, marks=inputs, source=Mark.Source.IMPORT)


def present(*dates):
    return {d: ("/", "\\") for d in dates}


def reached(school, pupil, on):
    """A call on `on` that reached the family."""
    ContactAttempt.objects.create(
        trust=school.trust,
        school=school,
        pupil=pupil,
        absence_date=on,
        method=ContactAttempt.Method.CALL,
        outcome=ContactAttempt.Outcome.SEEN_SAFE,
        made_at=dt.datetime.combine(on, dt.time(10), tzinfo=LONDON),
    )


def pupil_at(school, surname, **fields):
    return PupilFactory(school=school, legal_surname=surname, legal_forename="Pat", **fields)


def able_marks():
    return {
        **present(day(9, 7), day(9, 8), day(9, 9), day(9, 10)),
        day(9, 11): ("O", "O"),  # before the 10-week window
        day(9, 17): ("G", "G"),  # inside it only because the holiday week is skipped
        day(10, 5): ("I", "I"),
        day(10, 6): "I",
        day(10, 16): "U",  # before the 5-week window
        day(10, 23): "U",  # inside it, in the first half-term
        day(11, 3): ("U", "N"),  # this half-term
        day(11, 23): ("/", "\\"),
        day(11, 24): ("L", "\\"),
        day(11, 25): "N",  # this morning
        day(11, 26): ("O", "O"),  # after the day evaluated
    }


@pytest.fixture
def school(school_a):
    school_calendar(school_a)
    return school_a


def test_every_figure_equals_the_hand_computed_one(school):
    able = pupil_at(school, "Able")
    record(school, able, able_marks())

    facts = facts_for_school(school, ON, POLICY)

    # Year: possible 24 = present 12 (8 in September, / \ L \) + I 3 + unauthorised 9 (O O G G U U U N N); late L U U U.
    assert facts[able.pk] == PupilFacts(
        year=SessionCounts(possible=24, present=12, authorised=3, unauthorised=9, late=4),
        week=SessionCounts(possible=5, present=4, unauthorised=1, late=1),
        unauthorised_in_weeks={10: 7, 5: 4},  # G G U U U N N from 14 Sep; U U N N from 19 Oct
        u_in_weeks={10: 3, 5: 2},
        u_this_half_term=1,
        illness_days=Decimal("1.5"),
        leave_days=Decimal("1"),
        consecutive_days_absent=1,  # this morning's N; yesterday present
        days_without_contact=1,
    )


def test_a_run_of_absence_and_the_days_since_the_family_was_last_reached(school):
    baker = pupil_at(school, "Baker")
    absent = [day(11, 18), day(11, 19), day(11, 20), day(11, 23), day(11, 24)]
    record(school, baker, {**present(day(11, 17)), **{d: ("N", "N") for d in absent}, ON: "N"})
    reached(school, baker, day(11, 20))
    never = pupil_at(school, "Never")
    record(school, never, {**present(day(11, 24)), ON: "O"})

    facts = facts_for_school(school, ON, POLICY)

    assert facts[baker.pk].consecutive_days_absent == 6  # 18 Nov to this morning, over the weekend
    assert facts[baker.pk].days_without_contact == 3  # 23, 24 and 25 Nov
    assert facts[baker.pk].leave_days == facts[baker.pk].illness_days == 0
    assert (facts[never.pk].consecutive_days_absent, facts[never.pk].days_without_contact) == (1, 1)


def test_contact_after_the_evaluation_day_does_not_count_for_it(school):
    baker = pupil_at(school, "Baker")
    absent = [day(11, 18), day(11, 19), day(11, 20), day(11, 23), day(11, 24)]
    record(school, baker, {**present(day(11, 17)), **{d: ("N", "N") for d in absent}, ON: "N"})
    reached(school, baker, day(11, 20))
    reached(school, baker, ON + dt.timedelta(days=1))

    assert facts_for_school(school, ON, POLICY)[baker.pk].days_without_contact == 3


def test_rolling_windows_skip_holiday_weeks(school):
    assert recent_school_weeks(school, ON, 10)[-1] == day(9, 14)
    assert recent_school_weeks(school, ON, 5) == [day(11, 23), day(11, 16), day(11, 9), day(11, 2), day(10, 19)]
    assert recent_school_weeks(school, day(10, 31), 1) == [day(10, 19)]  # in the holiday: the last school week


def test_windows_reach_back_into_the_previous_school_year(school):
    HalfTermFactory(school=school, name="Summer 2", starts=dt.date(2026, 6, 1), ends=dt.date(2026, 7, 17))
    rebuild_school_days(school)
    pupil = pupil_at(school, "Early")
    Enrolment.objects.filter(pupil=pupil).update(starts=dt.date(2026, 6, 1))
    record(school, pupil, {dt.date(2026, 7, 14): ("O", "O"), dt.date(2026, 7, 6): "O", day(9, 7): "O"})
    on = day(11, 4)  # the autumn's 9th school week; the 10th back is the last week of the summer term

    facts = facts_for_school(school, on, POLICY)[pupil.pk]

    assert recent_school_weeks(school, on, 10)[-1] == dt.date(2026, 7, 13)
    assert facts.unauthorised_in_weeks[10] == 3  # 14 Jul and 7 Sep; not 6 Jul
    assert facts.year.unauthorised == 1  # the year started on 1 August


def test_pupils_are_counted_only_while_on_roll(school):
    joiner = pupil_at(school, "Joiner", enrolled=False)
    EnrolmentFactory(pupil=joiner, school=school, starts=day(11, 2))
    record(school, joiner, {day(9, 7): ("O", "O"), day(11, 23): ("/", "\\")})  # imported from before admission
    returner = pupil_at(school, "Returner", enrolled=False)
    EnrolmentFactory(pupil=returner, school=school, starts=day(9, 1), ends=day(9, 30))
    EnrolmentFactory(pupil=returner, school=school, starts=day(11, 16))
    record(school, returner, {day(9, 7): "O", day(10, 12): ("O", "O"), day(11, 23): "O"})
    leaver = pupil_at(school, "Leaver")
    Enrolment.objects.filter(pupil=leaver).update(ends=day(11, 20))
    leaves_today = pupil_at(school, "Today")
    Enrolment.objects.filter(pupil=leaves_today).update(ends=ON)

    facts = facts_for_school(school, ON, POLICY)

    assert set(facts) == {joiner.pk, returner.pk, leaves_today.pk}
    assert facts[joiner.pk].year == SessionCounts(possible=2, present=2)
    assert facts[joiner.pk].unauthorised_in_weeks == {10: 0, 5: 0}
    # 12 Oct was between enrolments: not counted, in the year or the window
    assert facts[returner.pk].year == SessionCounts(possible=2, unauthorised=2)
    assert facts[returner.pk].unauthorised_in_weeks == {10: 1, 5: 1}
    assert facts[leaves_today.pk] == PupilFacts(unauthorised_in_weeks={10: 0, 5: 0}, u_in_weeks={10: 0, 5: 0})


def test_another_trusts_marks_and_another_schools_are_never_counted(school, trust_b, school_b):
    able = pupil_at(school, "Able")
    record(school, able, able_marks())
    # A row wrongly tagged with another trust, on a day Able has no mark.
    Mark.objects.create(
        trust=trust_b,
        school=school,
        pupil=able,
        date=day(11, 9),
        session="AM",
        code="O",
        source=Mark.Source.IMPORT,
        recorded_at=timezone.now(),
    )
    school_calendar(school_b)
    baker = pupil_at(school_b, "Baker")
    record(school_b, baker, {day(11, 23): ("O", "O")})
    sister = SchoolFactory(trust=school.trust)
    EnrolmentFactory(pupil=able, school=sister, starts=day(9, 1))
    record(sister, able, {day(11, 10): ("G", "G")})

    facts = facts_for_school(school, ON, POLICY)

    assert set(facts) == {able.pk}
    assert facts[able.pk].year.possible == 24
    assert facts[able.pk].unauthorised_in_weeks == {10: 7, 5: 4}
    assert facts[able.pk].leave_days == 1


def test_the_trusts_policy_names_the_windows(school):
    able = pupil_at(school, "Able")
    record(school, able, able_marks())
    school.trust.policy = "waterton"

    facts = facts_for_school(school, ON)[able.pk]

    assert (facts.unauthorised_in_weeks, facts.u_in_weeks) == ({10: 7}, {10: 3})


def test_a_school_without_a_calendar_still_gets_the_year(school_a):
    able = pupil_at(school_a, "Able")
    record(school_a, able, able_marks())

    facts = facts_for_school(school_a, ON, POLICY)[able.pk]

    assert facts.year.possible == 24
    assert facts.unauthorised_in_weeks == {10: 0, 5: 0}
    assert (facts.u_this_half_term, facts.consecutive_days_absent, facts.week) == (0, 0, SessionCounts())


def test_an_empty_roll_gives_no_facts(school):
    assert facts_for_school(school, ON, POLICY) == {}


def test_the_query_count_is_the_same_for_three_or_six_pupils(school):
    def add(start):
        for i in range(start, start + 3):
            pupil = pupil_at(school, f"Pupil{i}")
            record(school, pupil, {**able_marks(), day(11, 24): ("N", "N")})
            reached(school, pupil, day(11, 24))

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            facts = facts_for_school(school, ON, POLICY)
        return len(ctx), facts

    add(0)
    three, facts = queries()
    add(3)
    six, more = queries()
    assert (len(facts), len(more)) == (3, 6)
    assert all(f.consecutive_days_absent == 2 and f.days_without_contact == 1 for f in more.values())
    assert three == six <= 8


@pytest.mark.parametrize(
    ("on", "due"),
    [
        (ON, {Cadence.DAILY}),
        (day(11, 27), {Cadence.DAILY, Cadence.WEEKLY}),
        (day(10, 23), {Cadence.DAILY, Cadence.WEEKLY, Cadence.HALF_TERMLY}),
        (day(12, 18), {Cadence.DAILY, Cadence.WEEKLY, Cadence.HALF_TERMLY}),
        (day(11, 28), {Cadence.DAILY}),  # a Saturday
    ],
)
def test_weekly_and_half_termly_rules_are_due_on_the_last_school_day_of_the_period(school, on, due):
    assert due_on(school, on) == due


def test_a_school_week_ending_early_is_due_on_its_last_school_day(school):
    SchoolDay.objects.filter(school=school, date=day(11, 27)).delete()
    assert Cadence.WEEKLY in due_on(school, day(11, 26))


@pytest.mark.parametrize(("policy", "name"), [("omega", "Omega"), ("waterton", "Waterton"), ("odst", "ODST")])
def test_each_trust_gets_its_preset(db, policy, name):
    assert policy_for(TrustFactory(policy=policy)).name.startswith(name)


def test_a_trust_without_a_preset_is_refused(db):
    with pytest.raises(ValueError, match="no policy preset"):
        policy_for(TrustFactory(policy="unknown"))
