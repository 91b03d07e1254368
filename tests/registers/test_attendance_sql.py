"""The database's statistics equal the plain-Python definitions, and count only sessions while on roll."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registers import codes as C
from registers.attendance import pupil_statistics, school_statistics, year_to_date
from registers.models import Mark
from registers.statistics import count_codes, total
from schools.models import Enrolment
from tests.factories import MarkFactory, PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 9, 7)
SESSIONS = [(MONDAY + dt.timedelta(days=d), s) for d in range(5) for s in ("AM", "PM")]


def _marks(school, pupil, codes):
    for (day, session), code in zip(SESSIONS, codes, strict=False):
        MarkFactory(school=school, pupil=pupil, date=day, session=session, code=code)


# One school, a few pupils, each with up to ten marks of any statutory code, admitted and leaving on any day of the
# week (or never leaving); the window is any part of the week.
pupil_records = st.lists(
    st.tuples(
        st.lists(st.sampled_from(sorted(C.KNOWN)), max_size=10),
        st.integers(min_value=0, max_value=4),
        st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=pupil_records, window=st.tuples(st.integers(0, 4), st.integers(0, 4)).map(sorted))
def test_sql_counts_equal_the_definitions_for_any_marks_and_enrolments(django_db_blocker, records, window):
    start, end = (MONDAY + dt.timedelta(days=d) for d in window)
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            school = SchoolFactory()
            expected = {}
            for codes, admitted, left in records:
                starts = MONDAY + dt.timedelta(days=admitted)
                ends = None if left is None else max(starts, MONDAY + dt.timedelta(days=left))
                pupil = PupilFactory(school=school, enrolled=False)
                Enrolment.objects.create(trust=school.trust, pupil=pupil, school=school, starts=starts, ends=ends)
                _marks(school, pupil, codes)
                if starts <= end and (ends is None or ends >= start):
                    counted = [
                        code
                        for (day, _), code in zip(SESSIONS, codes, strict=False)
                        if max(start, starts) <= day <= min(end, ends or end)
                    ]
                    expected[pupil.pk] = count_codes(counted)

            stats = school_statistics(school, start, end)

            assert {row.pupil.pk: row.counts for row in stats.pupils} == expected
            assert stats.totals == total(expected.values())
            transaction.set_rollback(True)


def test_a_hand_built_week_gives_hand_computed_figures(school_a, pupil_a):
    _marks(school_a, pupil_a, ["/", "\\", "L", "\\", "I", "I", "O", "U", "V", "X"])
    counts = pupil_statistics(pupil_a, MONDAY, MONDAY + dt.timedelta(days=4))
    # possible 9 (X is not possible), attended /,\,L,\,V = 5, authorised 2, unauthorised 2 (O, U), lates L and U
    assert (counts.possible, counts.attended, counts.authorised, counts.unauthorised, counts.late) == (9, 5, 2, 2, 2)
    assert str(counts.attendance_pct) == "55.6"
    assert counts.persistent and not counts.severe


def test_marks_before_admission_and_after_leaving_do_not_count(school_a):
    pupil = PupilFactory(school=school_a, enrolled=False)
    Enrolment.objects.create(
        trust=school_a.trust,
        pupil=pupil,
        school=school_a,
        starts=MONDAY + dt.timedelta(days=1),
        ends=MONDAY + dt.timedelta(days=3),
    )
    _marks(school_a, pupil, ["O"] * 10)  # Monday to Friday, all unauthorised
    counts = pupil_statistics(pupil, MONDAY, MONDAY + dt.timedelta(days=4))
    assert counts.possible == 6  # Tuesday to Thursday only


def test_a_leaver_is_still_listed_with_sessions_up_to_leaving(school_a):
    pupil = PupilFactory(school=school_a, enrolled=False)
    Enrolment.objects.create(
        trust=school_a.trust, pupil=pupil, school=school_a, starts=dt.date(2026, 9, 1), ends=MONDAY
    )
    _marks(school_a, pupil, ["/", "\\"])
    stats = school_statistics(school_a, MONDAY, MONDAY + dt.timedelta(days=4))
    assert [(row.pupil, row.counts.possible) for row in stats.pupils] == [(pupil, 2)]


def test_a_pupil_on_roll_with_no_marks_is_listed_with_no_percentage(school_a, pupil_a):
    stats = school_statistics(school_a, MONDAY, MONDAY)
    assert stats.pupils[0].counts.attendance_pct is None


def test_marks_at_another_school_of_the_trust_do_not_count_for_this_school(school_a, pupil_a):
    other = SchoolFactory(trust=school_a.trust)
    Enrolment.objects.create(trust=school_a.trust, pupil=pupil_a, school=other, starts=dt.date(2026, 9, 1))
    MarkFactory(school=other, pupil=pupil_a, date=MONDAY, session="AM", code="O")
    MarkFactory(school=school_a, pupil=pupil_a, date=MONDAY, session="PM", code="\\")
    assert school_statistics(school_a, MONDAY, MONDAY).totals.possible == 1
    assert pupil_statistics(pupil_a, MONDAY, MONDAY).possible == 2


def test_another_trusts_marks_never_enter_a_schools_figures(school_a, pupil_a, school_b, pupil_b):
    MarkFactory(school=school_a, pupil=pupil_a, date=MONDAY, code="/")
    MarkFactory(school=school_b, pupil=pupil_b, date=MONDAY, code="O")
    stats = school_statistics(school_a, MONDAY, MONDAY)
    assert [row.pupil for row in stats.pupils] == [pupil_a]
    assert stats.totals.unauthorised == 0


def test_the_year_to_date_runs_from_the_first_of_august():
    assert year_to_date(dt.date(2026, 11, 23)) == (dt.date(2026, 8, 1), dt.date(2026, 11, 23))
    assert year_to_date(dt.date(2027, 3, 1)) == (dt.date(2026, 8, 1), dt.date(2027, 3, 1))


def test_the_database_refuses_a_code_outside_the_table(school_a, pupil_a):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        MarkFactory(school=school_a, pupil=pupil_a, code="H")


def test_statistics_take_a_fixed_number_of_queries_however_many_pupils(school_a, django_assert_num_queries):
    for _ in range(3):
        _marks(school_a, PupilFactory(school=school_a), ["/", "I"])
    with django_assert_num_queries(2) as ctx:  # the counts, then the pupils
        school_statistics(school_a, MONDAY, MONDAY + dt.timedelta(days=4))
    for _ in range(3):
        _marks(school_a, PupilFactory(school=school_a), ["/", "I"])
    with django_assert_num_queries(len(ctx.captured_queries)):
        school_statistics(school_a, MONDAY, MONDAY + dt.timedelta(days=4))
    assert Mark.objects.count() == 12
