"""The figures a letter is given: from grouped SQL, as on the day, in days and sessions, with the national figure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interventions.models import Case, Meeting, PenaltyNotice
from letters.figures import figures_book
from letters.templating import NAMES
from registers.models import LeaveRequest
from tests.factories import ContactFactory, PupilFactory
from tests.letters.conftest import ON, mark_days

pytestmark = pytest.mark.django_db


def _names(school, pupil, on=ON, **kwargs):
    return figures_book(school, on, [pupil]).names(pupil.pk, parent_name="Maria Nowak", **kwargs)


def test_the_years_figures_are_in_sessions_and_days_with_the_national_comparison(calendar, marked):
    names = _names(calendar, marked)

    assert {k: names[k] for k in ("attended_sessions", "possible_sessions", "absent_sessions", "days_absent")} == {
        "attended_sessions": 23,
        "possible_sessions": 28,
        "absent_sessions": 5,
        "days_absent": 2.5,
    }
    assert names["attendance_pct"] == 82.1
    assert (names["authorised_sessions"], names["unauthorised_sessions"], names["late_sessions"]) == (2, 3, 3)
    # Primary schools nationally: 94.5% attendance; 5.5% of 28 sessions is 1.54, so 2 sessions, 1 day.
    assert (names["national_pct"], names["national_days_absent"]) == (94.5, 1)
    assert (names["band"], names["band_meaning"], names["band_range"]) == ("Red", "serious concerns", "below 90%")


def test_every_listed_name_has_a_value_and_the_values_are_plain_json(calendar, marked):
    import json

    names = _names(calendar, marked)
    assert set(NAMES) <= set(names)
    assert json.loads(json.dumps(names)) == names


def test_the_letter_names_the_pupil_parent_school_headteacher_and_dates(calendar, marked, time_machine):
    time_machine.move_to(dt.datetime(2026, 9, 23, 9, tzinfo=dt.UTC))
    marked.preferred_forename = "Annie"
    names = _names(calendar, marked)

    assert names["pupil_forename"] == "Annie" and names["pupil_name"] == "Annie Able"
    assert names["parent_name"] == "Maria Nowak"
    assert (names["school_name"], names["headteacher"]) == ("Alpha Primary", "Mrs J. Lindley")
    assert (names["date"], names["since"], names["figures_to"], names["week_start"]) == (
        "23 September 2026",  # the day the letter is made
        "2 September 2026",  # the first school day of the year, not 1 August
        "21 September 2026",  # the day the figures are counted to
        "21 September 2026",
    )


def test_dates_follow_the_letters_language(calendar, marked):
    assert _names(calendar, marked, language="Polish")["figures_to"] == "21 września 2026"


def test_without_a_headteachers_name_the_letter_signs_as_headteacher(calendar, marked):
    calendar.headteacher_name = ""
    assert _names(calendar, marked)["headteacher"] == "Headteacher"
    assert _names(calendar, marked, language="Polish")["headteacher"] == "Dyrektor szkoły"


def test_marks_after_the_day_do_not_count(calendar, marked):
    names = _names(calendar, marked, on=dt.date(2026, 9, 8))
    # 2-8 September: 5 school days, the O morning only.
    assert (names["possible_sessions"], names["absent_sessions"], names["days_absent"]) == (10, 1, 0.5)
    assert names["week_start"] == "7 September 2026" and names["week_possible_sessions"] == 4


def test_the_latest_school_week_the_ten_week_window_and_the_half_terms_u_sessions(calendar, marked):
    names = _names(calendar, marked, on=dt.date(2026, 9, 18))
    assert (names["week_attended_sessions"], names["week_possible_sessions"]) == (8, 10)
    assert names["unauthorised_10_weeks"] == 3  # O and two U
    assert names["late_u_half_term"] == 2


def test_another_schools_marks_and_marks_before_admission_do_not_count(calendar, marked, school_b):
    from tests.factories import SchoolFactory

    elsewhere = SchoolFactory(trust=calendar.trust)
    mark_days(elsewhere, marked, {dt.date(2026, 9, 22): ("O", "O")})
    late_joiner = PupilFactory(school=calendar)
    late_joiner.enrolments.update(starts=dt.date(2026, 9, 14))
    mark_days(calendar, late_joiner, {dt.date(2026, 9, 10): ("O", "O"), dt.date(2026, 9, 14): ("/", "N")})

    assert _names(calendar, marked, on=dt.date(2026, 9, 25))["possible_sessions"] == 28
    joined = figures_book(calendar, ON, [late_joiner]).names(late_joiner.pk, parent_name="x")
    assert (joined["possible_sessions"], joined["absent_sessions"]) == (2, 1)


def test_a_pupil_with_no_marks_has_zeros_and_no_band(calendar, pupil_a):
    names = _names(calendar, pupil_a)
    assert (names["possible_sessions"], names["days_absent"], names["attendance_pct"], names["band"]) == (0, 0, 0, "")


def _meeting(pupil, school, **fields):
    case = Case.objects.get_or_create(trust=school.trust, school=school, pupil=pupil)[0]
    values = {"kind": "attendance_improvement", "title": "Attendance Improvement Meeting"} | fields
    return Meeting.objects.create(trust=school.trust, school=school, case=case, pupil=pupil, **values)


def test_a_planned_meeting_gives_its_date_target_and_review(calendar, marked):
    _meeting(
        marked,
        calendar,
        planned_for=dt.date(2026, 9, 24),
        target_pct=Decimal("95.00"),
        target_weeks=6,
        review_on=dt.date(2026, 11, 5),
    )
    names = _names(calendar, marked)
    assert (names["meeting_date"], names["target_pct"], names["target_weeks"], names["review_date"]) == (
        "24 September 2026",
        95,
        6,
        "5 November 2026",
    )


def test_a_meeting_already_held_is_not_offered_as_a_date_to_come(calendar, marked):
    _meeting(marked, calendar, planned_for=dt.date(2026, 9, 10), status=Meeting.Status.HELD, target_pct=Decimal(96))
    names = _names(calendar, marked)
    assert (names["meeting_date"], names["target_pct"], names["target_weeks"]) == ("", 96, 4)


def test_the_latest_decided_leave_request_with_its_school_days(calendar, marked, head):
    for first, decision, at in [
        (dt.date(2026, 10, 5), LeaveRequest.Decision.GRANTED, dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC)),
        (dt.date(2026, 10, 19), LeaveRequest.Decision.REFUSED, dt.datetime(2026, 9, 17, 9, tzinfo=dt.UTC)),
        (dt.date(2026, 10, 12), LeaveRequest.Decision.PENDING, None),
    ]:
        LeaveRequest.objects.create(
            trust=calendar.trust,
            school=calendar,
            pupil=marked,
            kind=LeaveRequest.Kind.HOLIDAY,
            reason="Family wedding",
            first_day=first,
            last_day=first + dt.timedelta(days=13),  # runs into half-term: only school days count
            requested_on=dt.date(2026, 9, 1),
            decision=decision,
            decided_by=head if at else None,
            decided_at=at,
        )
    names = _names(calendar, marked)
    assert (names["leave_first_day"], names["leave_last_day"], names["leave_decision"]) == (
        "19 October 2026",
        "1 November 2026",
        "refused",
    )
    assert names["leave_days"] == 5  # 19-23 October; 26 October onwards is half-term


def test_a_notice_to_improve_gives_its_period_or_four_weeks_when_none_is_recorded(calendar, marked):
    assert (_names(calendar, marked)["improvement_weeks"], _names(calendar, marked)["improvement_ends"]) == (
        4,
        "18 October 2026",
    )
    PenaltyNotice.objects.create(
        trust=calendar.trust,
        school=calendar,
        pupil=marked,
        contact=ContactFactory(trust=calendar.trust),
        kind=PenaltyNotice.Kind.NOTICE_TO_IMPROVE,
        reason=PenaltyNotice.Reason.IRREGULAR_ATTENDANCE,
        issued_on=dt.date(2026, 9, 18),
        improvement_weeks=3,
    )
    names = _names(calendar, marked)
    assert (names["improvement_weeks"], names["improvement_ends"]) == (3, "8 October 2026")


def _queries(school, pupils):
    with CaptureQueriesContext(connection) as queries:
        book = figures_book(school, ON, pupils)
        for pupil in pupils:
            book.names(pupil.pk, parent_name="x")
    return len(queries)


def test_the_figures_for_three_or_thirty_pupils_take_the_same_queries(calendar, marked):
    three = [marked, *(PupilFactory(school=calendar) for _ in range(2))]
    thirty = three + [PupilFactory(school=calendar) for _ in range(27)]
    for pupil in thirty[1:]:
        mark_days(calendar, pupil, {dt.date(2026, 9, 14): ("/", "O")})
    assert _queries(calendar, three) == _queries(calendar, thirty)
