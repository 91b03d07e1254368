"""The office's rules on plain values: how an arrival is explained, which sessions a report or leave covers, and
which marks a reason may replace."""

import datetime as dt

import pytest

from registers import codes as C
from registers.lateness import SessionTimes
from registers.office import assess_arrival, plan_sessions, replaceable, session_times, sessions_between
from schools.models import School

T, D = dt.time, dt.date
WATERTON = SessionTimes(starts=T(8, 45), closes=T(8, 45), late_until=T(8, 55))
OMEGA = SessionTimes(starts=T(8, 45), closes=T(9, 15), late_until=T(9, 15))
MON, TUE, WED, THU, FRI = (D(2026, 11, 23) + dt.timedelta(days=n) for n in range(5))


@pytest.mark.parametrize(
    ("times", "arrival", "code", "minutes", "explanation"),
    [
        (WATERTON, T(8, 40), "/", 0, "Arrived 08:40, by the start of registration at 08:45: / (present)"),
        (WATERTON, T(8, 50), "L", 5, "Arrived 08:50, within the late limit 08:55: L (late, counted as present)"),
        (WATERTON, T(8, 58), "U", 13, "Arrived 08:58, after the late limit 08:55: U (unauthorised)"),
        (OMEGA, T(9, 0), "L", 15, "Arrived 09:00, within the late limit 09:15: L (late, counted as present)"),
        (OMEGA, T(9, 16), "U", 31, "Arrived 09:16, after the late limit 09:15: U (unauthorised)"),
    ],
)
def test_an_arrival_gets_its_code_minutes_and_a_plain_explanation(times, arrival, code, minutes, explanation):
    result = assess_arrival("AM", arrival, times)
    assert (result.code, result.minutes_late, result.explanation) == (code, minutes, explanation)


def test_an_afternoon_arrival_on_time_is_a_backslash():
    pm = SessionTimes(starts=T(13, 15), closes=T(13, 30), late_until=T(13, 30))
    assert assess_arrival("PM", T(13, 10), pm).code == "\\"


def test_the_schools_own_times_make_each_sessions_rule():
    school = School(
        day_starts=T(8, 45),
        registers_close=T(8, 45),
        late_until=T(8, 55),
        pm_day_starts=T(13, 0),
        pm_registers_close=T(13, 10),
        pm_late_until=T(13, 20),
    )
    assert session_times(school, "AM") == WATERTON
    assert session_times(school, "PM") == SessionTimes(T(13, 0), T(13, 10), T(13, 20))


def test_sessions_between_run_from_the_first_session_to_the_last_on_school_days_only():
    school_days = [MON, TUE, THU]  # Wednesday is not a school day
    assert sessions_between(MON, "PM", THU, "AM", school_days) == [
        (MON, "PM"),
        (TUE, "AM"),
        (TUE, "PM"),
        (THU, "AM"),
    ]


def test_one_session_on_one_day_is_just_that_session():
    assert sessions_between(TUE, "AM", TUE, "AM", [MON, TUE]) == [(TUE, "AM")]


def test_a_span_with_no_school_day_covers_no_sessions():
    assert sessions_between(WED, "AM", WED, "PM", [MON, TUE]) == []


@pytest.mark.parametrize("code", sorted(C.KNOWN))
def test_a_reason_replaces_only_absence_marks_other_than_u(code):
    expected = code in C.ABSENT and code != "U"
    assert replaceable(code) is expected


def test_a_session_with_no_mark_takes_the_reason():
    assert replaceable("")


def test_the_plan_writes_the_code_where_a_reason_may_go_and_says_why_others_are_kept():
    sessions = [(MON, "AM"), (MON, "PM"), (TUE, "AM"), (TUE, "PM"), (WED, "AM")]
    current = {(MON, "AM"): "N", (MON, "PM"): "/", (TUE, "AM"): "U", (TUE, "PM"): "#"}
    plan = plan_sessions(sessions, current, "I")
    assert [(p.current, p.code) for p in plan] == [("N", "I"), ("/", ""), ("U", ""), ("#", ""), ("", "I")]
    assert [p.kept_because for p in plan] == [
        "",
        "attended",
        "arrived after the register closed",
        "not a possible session",
        "",
    ]
