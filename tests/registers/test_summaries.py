"""The dashboards' summaries (PupilWeek, DayCodeCount) always equal the live statistics over the marks."""

import datetime as dt
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from registers import codes as C
from registers import summaries
from registers.models import COUNT_FIELDS, DayCodeCount, Mark, PupilWeek
from registers.services import MarkInput, upsert_marks
from registers.statistics import SessionCounts
from schools.models import Enrolment, SchoolDay
from tests.factories import PupilFactory, SchoolFactory
from tests.interventions.test_day1 import school_calendar

CODES = sorted(C.KNOWN)


@pytest.fixture
def calendar(school_a):
    school_calendar(school_a)
    return school_a


def days(school, start=dt.date(2026, 9, 2), end=dt.date(2026, 11, 20)):
    return list(
        SchoolDay.objects.filter(school=school, date__range=(start, end))
        .order_by("date")
        .values_list("date", flat=True)
    )


def mark_randomly(school, pupils, seed, dates):
    rng = random.Random(seed)
    marks = [
        MarkInput(pupil.pk, date, session, rng.choice(CODES))
        for pupil in pupils
        for date in dates
        for session in ("AM", "PM")
        if rng.random() < 0.95  # some sessions left unmarked
    ]
    upsert_marks(school=school, marks=marks, source=Mark.Source.IMPORT)


def summary_counts(**filters) -> SessionCounts:
    row = PupilWeek.objects.filter(**filters).aggregate(**{f: Sum(f) for f in COUNT_FIELDS})
    return SessionCounts(**{f: row[f] or 0 for f in COUNT_FIELDS})


def live_counts(**filters) -> SessionCounts:
    return Mark.objects.filter(**filters).while_enrolled().session_counts()


@pytest.mark.parametrize("seed", range(5))
def test_pupil_weeks_add_up_to_the_live_statistics_for_every_pupil(calendar, seed):
    pupils = [PupilFactory(school=calendar) for _ in range(4)]
    mark_randomly(calendar, pupils, seed, days(calendar))

    for pupil in pupils:
        assert summary_counts(pupil=pupil) == live_counts(pupil=pupil)
    assert summary_counts(school=calendar) == live_counts(school=calendar)


def test_a_correction_changes_the_summary_in_the_same_transaction(calendar):
    pupil = PupilFactory(school=calendar)
    monday = dt.date(2026, 11, 16)
    upsert_marks(school=calendar, marks=[MarkInput(pupil.pk, monday, "AM", "/")], source=Mark.Source.REGISTER)
    upsert_marks(
        school=calendar,
        marks=[MarkInput(pupil.pk, monday, "AM", "I")],
        source=Mark.Source.OFFICE,
        reason="Parent rang: ill",
    )

    week = PupilWeek.objects.get(pupil=pupil)
    assert (week.week, week.possible, week.present, week.authorised) == (monday, 1, 0, 1)
    assert DayCodeCount.objects.get(date=monday).code == "I"


def test_marks_outside_the_pupils_enrolment_are_not_summarised(calendar):
    pupil = PupilFactory(school=calendar)
    Enrolment.objects.filter(pupil=pupil).update(starts=dt.date(2026, 11, 18))
    upsert_marks(
        school=calendar,
        marks=[MarkInput(pupil.pk, d, "AM", "/") for d in days(calendar, dt.date(2026, 11, 16), dt.date(2026, 11, 20))],
        source=Mark.Source.IMPORT,
    )

    assert summary_counts(pupil=pupil).possible == 3  # Wednesday to Friday
    assert DayCodeCount.objects.aggregate(n=Sum("sessions"))["n"] == 3


def test_day_code_counts_add_up_to_the_marks_by_code_year_group_and_session(calendar):
    pupils = [PupilFactory(school=calendar, year_group=y) for y in ("3", "3", "5")]
    mark_randomly(calendar, pupils, 7, days(calendar, dt.date(2026, 11, 2), dt.date(2026, 11, 20)))

    expected = {}
    for m in Mark.objects.select_related("pupil"):
        key = (m.date, m.pupil.year_group, m.session, m.code)
        expected[key] = expected.get(key, 0) + 1
    got = {(r.date, r.year_group, r.session, r.code): r.sessions for r in DayCodeCount.objects.all()}
    assert got == expected


def test_marks_loaded_in_bulk_are_summarised_by_a_refresh_of_the_year(calendar):
    pupil = PupilFactory(school=calendar)
    mark_randomly(calendar, [pupil], 3, days(calendar))
    PupilWeek.objects.all().delete()
    DayCodeCount.objects.all().delete()

    summaries.refresh_year(calendar, dt.date(2026, 11, 20))

    assert summary_counts(pupil=pupil) == live_counts(pupil=pupil)
    assert DayCodeCount.objects.aggregate(n=Sum("sessions"))["n"] == Mark.objects.count()


def test_a_refresh_repeated_writes_the_same_rows(calendar):
    pupils = [PupilFactory(school=calendar) for _ in range(2)]
    mark_randomly(calendar, pupils, 11, days(calendar))
    before = sorted(PupilWeek.objects.values_list("pupil", "week", *COUNT_FIELDS))

    summaries.refresh_year(calendar, dt.date(2026, 11, 20))

    assert sorted(PupilWeek.objects.values_list("pupil", "week", *COUNT_FIELDS)) == before


def test_each_week_is_stored_under_its_monday_and_its_academic_year(calendar):
    pupil = PupilFactory(school=calendar)
    upsert_marks(
        school=calendar, marks=[MarkInput(pupil.pk, dt.date(2026, 9, 4), "AM", "/")], source=Mark.Source.IMPORT
    )

    week = PupilWeek.objects.get()
    assert (week.week, week.academic_year) == (dt.date(2026, 8, 31), 2026)


def test_the_command_refreshes_one_school_and_says_so(calendar):
    pupil = PupilFactory(school=calendar)
    mark_randomly(calendar, [pupil], 5, days(calendar))
    PupilWeek.objects.all().delete()
    out = StringIO()

    call_command("refresh_summaries", calendar.urn, "--until", "2026-11-20", stdout=out)

    assert summary_counts(pupil=pupil) == live_counts(pupil=pupil)
    assert f"(URN {calendar.urn}): " in out.getvalue()


def test_another_trusts_school_is_left_alone(calendar, school_b, pupil_a):
    school_calendar(school_b)
    theirs = PupilFactory(school=school_b)
    mark_randomly(school_b, [theirs], 1, days(school_b))
    before = PupilWeek.objects.filter(school=school_b).count()

    mark_randomly(calendar, [pupil_a], 2, days(calendar))
    summaries.refresh_year(calendar, dt.date(2026, 11, 20))

    assert PupilWeek.objects.filter(school=school_b).count() == before > 0


@pytest.mark.parametrize("seed", range(4))
def test_the_databases_totals_per_school_equal_the_per_pupil_figures_added_up(calendar, seed):
    second = SchoolFactory(trust=calendar.trust, name="Second Primary", urn="100009")
    school_calendar(second)
    mark_randomly(second, [PupilFactory(school=second) for _ in range(3)], seed + 100, days(second))
    pupils = [PupilFactory(school=calendar) for _ in range(6)]
    mark_randomly(calendar, pupils, seed, days(calendar))
    # Some pupils mostly absent, so that some are persistently and some severely absent.
    rng = random.Random(seed)
    bad = rng.sample(pupils, 2)
    upsert_marks(
        school=calendar,
        marks=[MarkInput(p.pk, d, "AM", "O") for p in bad for d in days(calendar)[: rng.randint(5, 40)]],
        source=Mark.Source.IMPORT,
        reason="corrected",
    )
    # A window that starts and ends in the middle of weeks, so both the weeks and the part weeks' marks count.
    start, end = dt.date(2026, 9, 9), dt.date(2026, 11, 12)

    per_pupil = summaries.window_counts_by_school([calendar, second], start, end)
    totals = summaries.window_totals_by_school([calendar, second], start, end)

    for school in (calendar, second):
        counts = list(per_pupil[school.pk].values())
        assert totals[school.pk].counts == sum(counts, SessionCounts())
        assert totals[school.pk].persistent == sum(c.persistent for c in counts)
        assert totals[school.pk].severe == sum(c.severe for c in counts)
    assert totals[calendar.pk].persistent >= 1


def test_a_school_with_nothing_counted_has_zero_totals(calendar):
    totals = summaries.window_totals_by_school([calendar], dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert totals == {calendar.pk: summaries.SchoolTotals(SessionCounts(), 0, 0)}
