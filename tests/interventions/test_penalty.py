"""The National Framework for Penalty Notices: the threshold window, term-time leave and the ledger."""

import datetime as dt
from decimal import Decimal

import pytest

from interventions.penalty import (
    LeaveBreach,
    NextStep,
    NoticeStatus,
    NoticeToImprove,
    Payment,
    PriorNotice,
    Reason,
    Step,
    check_improvement_weeks,
    headroom,
    limit_period_end,
    next_step,
    term_time_leave,
    threshold,
    window,
)
from registers.codes import UnknownCode
from schools.calendar import school_days

D = dt.date

# Spring 2025: twelve school weeks in a row, Monday 6 January to Friday 28 March.
SPRING = school_days([(D(2025, 1, 6), D(2025, 3, 28))])
# Summer term 2025 to 22 July, the summer holiday, then autumn 2025 from Wednesday 3 September with a half-term.
YEARS = school_days(
    [
        (D(2025, 4, 22), D(2025, 5, 23)),
        (D(2025, 6, 2), D(2025, 7, 22)),
        (D(2025, 9, 3), D(2025, 10, 24)),
        (D(2025, 11, 3), D(2025, 12, 19)),
    ]
)


def _sessions(days, code="O"):
    """Both sessions of each day, coded `code`."""
    return [(d, s, code) for d in days for s in ("AM", "PM")]


def _am(days, code="O"):
    return [(d, "AM", code) for d in days]


WEEK_12 = [D(2025, 3, 24), D(2025, 3, 25), D(2025, 3, 26), D(2025, 3, 27), D(2025, 3, 28)]
ON = D(2025, 3, 28)


# --- The threshold ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "met"), [(0, False), (9, False), (10, True), (11, True)])
def test_ten_counting_sessions_meet_the_threshold_and_nine_do_not(count, met):
    marks = _sessions(SPRING[-8:])[:count] + _am(WEEK_12[:1], "/")
    assert threshold(SPRING, marks, ON).met is met


@pytest.mark.parametrize("code", ["G", "N", "O", "U"])
def test_g_n_o_and_u_each_count_towards_the_threshold(code):
    assert threshold(SPRING, _sessions(WEEK_12, code), ON).count == 10


@pytest.mark.parametrize("code", ["/", "\\", "L", "I", "M", "C", "E", "B", "X", "#", "Y1"])
def test_other_codes_do_not_count_towards_the_threshold(code):
    check = threshold(SPRING, _sessions(WEEK_12, code), ON)
    assert check.count == 0
    assert not check.met


def test_codes_can_be_mixed_to_reach_the_threshold():
    marks = _sessions(WEEK_12[:2], "G") + _sessions(WEEK_12[2:3], "U") + _sessions(WEEK_12[3:], "O")
    assert threshold(SPRING, marks, ON).met


@pytest.mark.parametrize(
    ("extra_day", "met"),
    [
        (D(2025, 1, 20), True),  # Monday of school week 3: the tenth week back from week 12
        (D(2025, 1, 17), False),  # Friday of school week 2: the eleventh week back, outside the window
    ],
)
def test_a_session_in_the_tenth_school_week_counts_and_one_in_the_eleventh_does_not(extra_day, met):
    marks = _sessions(WEEK_12)[:9] + _am([extra_day])
    check = threshold(SPRING, marks, ON)
    assert (check.first_week, check.last_week) == (D(2025, 1, 20), D(2025, 3, 24))
    assert check.met is met


def test_the_window_spans_the_summer_holiday_and_a_new_academic_year():
    # 2 sessions in the summer term and 8 in the autumn term, as in the framework's own example.
    marks = _sessions([D(2025, 7, 22)]) + _sessions([D(2025, 9, 3), D(2025, 9, 10), D(2025, 9, 17), D(2025, 9, 24)])
    check = threshold(YEARS, marks, D(2025, 9, 30))
    # Five autumn weeks (1 Sept to 29 Sept) and five summer weeks (23 June to 21 July); the holiday weeks are skipped.
    assert (check.first_week, check.last_week) == (D(2025, 6, 23), D(2025, 9, 29))
    assert check.met
    assert check.count == 10


def test_holiday_weeks_do_not_push_summer_sessions_out_of_the_window():
    # Six calendar weeks of holiday lie between 22 July and 3 September; only school weeks count towards the ten.
    marks = _sessions([D(2025, 6, 23)]) + _sessions([D(2025, 9, 29), D(2025, 9, 30), D(2025, 10, 1), D(2025, 10, 2)])
    assert threshold(YEARS, marks, D(2025, 10, 3)).met
    assert not threshold(YEARS, marks, D(2025, 10, 6)).met  # a new school week: 23 June leaves the window


def test_the_half_term_holiday_is_not_a_school_week():
    assert window(YEARS, D(2025, 11, 14)) == (D(2025, 9, 1), D(2025, 11, 10))  # 27 October is skipped


def test_on_a_holiday_the_window_ends_with_the_last_school_week():
    assert window(YEARS, D(2025, 8, 15)) == (D(2025, 5, 12), D(2025, 7, 21))  # 26 May half-term is skipped


def test_the_window_is_shorter_when_the_calendar_has_fewer_than_ten_school_weeks():
    assert window(SPRING, D(2025, 1, 15)) == (D(2025, 1, 6), D(2025, 1, 13))


def test_before_any_school_week_there_is_no_window_and_no_hit():
    check = threshold(SPRING, _sessions([D(2025, 1, 6)]), D(2025, 1, 3))
    assert (check.first_week, check.last_week, check.met, check.sessions) == (None, None, False, ())


def test_sessions_after_the_day_checked_do_not_count():
    marks = _sessions(WEEK_12)
    assert threshold(SPRING, marks, D(2025, 3, 27)).count == 8


def test_the_counting_sessions_are_listed_oldest_first():
    marks = list(reversed(_sessions(WEEK_12[:2]))) + _am([D(2025, 3, 3)], "/")
    assert threshold(SPRING, marks, ON).sessions == (
        (D(2025, 3, 24), "AM", "O"),
        (D(2025, 3, 24), "PM", "O"),
        (D(2025, 3, 25), "AM", "O"),
        (D(2025, 3, 25), "PM", "O"),
    )


@pytest.mark.parametrize(
    ("others", "n", "met", "provisional"),
    [
        (9, 1, True, True),  # the tenth session is an N: the hit needs it
        (0, 10, True, True),
        (10, 1, True, False),  # ten without the N
        (10, 0, True, False),
        (8, 1, False, False),  # nine: no hit at all
    ],
)
def test_a_hit_that_needs_n_sessions_is_provisional(others, n, met, provisional):
    days = SPRING[-11:]
    marks = _am(days[:others], "O") + [(d, "PM", "N") for d in days[:n]]
    check = threshold(SPRING, marks, ON)
    assert (check.met, check.provisional) == (met, provisional)


@pytest.mark.parametrize(("count", "left"), [(0, 10), (7, 3), (9, 1), (10, 0), (12, 0)])
def test_headroom_is_the_sessions_left_before_the_threshold(count, left):
    assert headroom(SPRING, _am(SPRING[-12:][:count]), ON) == left


def test_an_unknown_code_is_refused():
    with pytest.raises(UnknownCode):
        threshold(SPRING, [(ON, "AM", "H")], ON)


# --- Term-time leave ----------------------------------------------------------------------------------------------

LEAVE = (D(2025, 3, 3), D(2025, 3, 21))


def _leave(marks):
    return term_time_leave(SPRING, marks, *LEAVE)


def test_five_school_days_of_g_in_a_row_across_a_weekend_are_consecutive_leave():
    check = _leave(_sessions([D(2025, 3, 5), D(2025, 3, 6), D(2025, 3, 7), D(2025, 3, 10), D(2025, 3, 11)], "G"))
    assert (check.longest_run, check.days, check.breach) == (5, Decimal(5), LeaveBreach.CONSECUTIVE)
    assert check.met


def test_four_school_days_of_g_are_not_enough():
    check = _leave(_sessions([D(2025, 3, 5), D(2025, 3, 6), D(2025, 3, 7), D(2025, 3, 10)], "G"))
    assert (check.longest_run, check.days, check.breach, check.met) == (4, Decimal(4), None, False)


@pytest.mark.parametrize(("half_days", "breach"), [(1, None), (2, LeaveBreach.ACCUMULATIVE)])
def test_g_days_apart_add_up_to_accumulative_leave(half_days, breach):
    whole = _sessions([D(2025, 3, 3), D(2025, 3, 4), D(2025, 3, 12), D(2025, 3, 13)], "G")
    halves = _am([D(2025, 3, 17), D(2025, 3, 19)][:half_days], "G")
    check = _leave(whole + halves)
    assert check.longest_run == 2
    assert check.breach is breach


def test_a_day_in_school_breaks_a_run_but_not_the_total():
    days = [D(2025, 3, 3), D(2025, 3, 4), D(2025, 3, 5), D(2025, 3, 7), D(2025, 3, 10)]
    check = _leave(_sessions(days, "G") + _sessions([D(2025, 3, 6)], "/"))
    assert (check.longest_run, check.breach) == (3, LeaveBreach.ACCUMULATIVE)


def test_a_half_day_of_g_breaks_a_run():
    days = [D(2025, 3, 3), D(2025, 3, 4), D(2025, 3, 6), D(2025, 3, 7)]
    check = _leave(_sessions(days, "G") + [(D(2025, 3, 5), "AM", "G"), (D(2025, 3, 5), "PM", "/")])
    assert (check.longest_run, check.days, check.breach) == (2, Decimal("4.5"), None)


def test_a_run_continues_over_a_holiday_that_is_not_school_days():
    days = [D(2025, 5, 21), D(2025, 5, 22), D(2025, 5, 23), D(2025, 6, 2), D(2025, 6, 3)]
    check = term_time_leave(YEARS, _sessions(days, "G"), D(2025, 5, 19), D(2025, 6, 6))
    assert (check.longest_run, check.breach) == (5, LeaveBreach.CONSECUTIVE)


def test_g_outside_the_leave_period_and_other_codes_do_not_count():
    inside = _sessions([D(2025, 3, 3), D(2025, 3, 4), D(2025, 3, 5), D(2025, 3, 6)], "G")
    outside = _sessions([D(2025, 2, 28), D(2025, 3, 24)], "G") + _sessions([D(2025, 3, 7)], "O")
    check = _leave(inside + outside)
    assert (check.days, check.breach) == (Decimal(4), None)
    assert len(check.sessions) == 8


def test_a_leave_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="cannot end before"):
        term_time_leave(SPRING, [], D(2025, 3, 5), D(2025, 3, 4))


# --- The ledger ---------------------------------------------------------------------------------------------------

FIRST = D(2024, 9, 2)  # a first notice under the framework
LAST_DAY = D(2027, 9, 1)  # the last day of the 3 years from FIRST


def _notices(*pairs):
    return [PriorNotice(issued, NoticeStatus(status)) for issued, status in pairs]


def test_a_first_notice_is_80_pounds_within_21_days_or_160_within_28():
    step = next_step([], D(2025, 1, 10), reason=Reason.IRREGULAR_ATTENDANCE)
    assert step == NextStep(
        Step.FIRST_NOTICE,
        None,
        (Payment(Decimal("80"), D(2025, 1, 31)), Payment(Decimal("160"), D(2025, 2, 7))),
        None,
        (),
    )


def test_a_second_notice_within_three_years_is_160_pounds_flat_within_28_days():
    step = next_step(_notices((FIRST, "paid_21")), D(2025, 3, 3), reason=Reason.TERM_TIME_HOLIDAY)
    assert step.step is Step.SECOND_NOTICE
    assert step.payments == (Payment(Decimal("160"), D(2025, 3, 31)),)
    assert step.period == (FIRST, LAST_DAY)


def test_a_third_notice_within_three_years_is_not_allowed_so_the_route_is_prosecution():
    step = next_step(
        _notices((FIRST, "paid_28"), (D(2025, 3, 3), "unpaid")), D(2026, 1, 5), reason=Reason.TERM_TIME_HOLIDAY
    )
    assert step.step is Step.PROSECUTION
    assert step.payments == ()
    assert len(step.counted) == 2


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("paid_21", Step.SECOND_NOTICE),
        ("paid_28", Step.SECOND_NOTICE),
        ("unpaid", Step.SECOND_NOTICE),
        ("prosecuted", Step.SECOND_NOTICE),
        ("withdrawn", Step.FIRST_NOTICE),
    ],
)
def test_every_notice_counts_except_a_withdrawn_one(status, expected):
    assert next_step(_notices((FIRST, status)), D(2025, 1, 6), reason=Reason.TERM_TIME_HOLIDAY).step is expected


def test_withdrawn_notices_do_not_use_up_the_two_allowed():
    previous = _notices((FIRST, "withdrawn"), (D(2025, 1, 6), "paid_21"), (D(2025, 2, 3), "withdrawn"))
    step = next_step(previous, D(2025, 6, 2), reason=Reason.TERM_TIME_HOLIDAY)
    assert step.step is Step.SECOND_NOTICE
    assert step.period == (D(2025, 1, 6), D(2028, 1, 5))  # the withdrawn first notice does not start the clock


@pytest.mark.parametrize(
    ("previous", "on", "expected"),
    [
        ([(FIRST, "paid_21"), (D(2025, 6, 2), "paid_28")], LAST_DAY, Step.PROSECUTION),
        ([(FIRST, "paid_21"), (D(2025, 6, 2), "paid_28")], LAST_DAY + dt.timedelta(days=1), Step.FIRST_NOTICE),
        ([(FIRST, "paid_21")], LAST_DAY, Step.SECOND_NOTICE),
        ([(FIRST, "paid_21")], LAST_DAY + dt.timedelta(days=1), Step.FIRST_NOTICE),
    ],
)
def test_the_three_years_end_the_day_before_the_third_anniversary_of_the_first_notice(previous, on, expected):
    assert next_step(_notices(*previous), on, reason=Reason.TERM_TIME_HOLIDAY).step is expected


def test_a_new_three_years_start_with_the_first_notice_after_the_old_ones_end():
    previous = _notices((FIRST, "paid_21"), (D(2026, 9, 1), "unpaid"), (D(2027, 9, 10), "paid_21"))
    step = next_step(previous, D(2027, 10, 1), reason=Reason.TERM_TIME_HOLIDAY)
    assert step.step is Step.SECOND_NOTICE
    assert step.period == (D(2027, 9, 10), D(2030, 9, 9))
    assert step.counted == (PriorNotice(D(2027, 9, 10), NoticeStatus.PAID_21),)


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        (D(2024, 8, 18), Step.FIRST_NOTICE),  # before the framework: does not count
        (D(2024, 8, 19), Step.SECOND_NOTICE),  # the framework's first day: counts
    ],
)
def test_only_notices_from_19_august_2024_count(issued, expected):
    assert next_step(_notices((issued, "paid_21")), D(2025, 1, 6), reason=Reason.TERM_TIME_HOLIDAY).step is expected


def test_the_three_years_run_from_the_first_notice_on_or_after_19_august_2024():
    previous = _notices((D(2024, 6, 3), "unpaid"), (D(2024, 7, 1), "paid_21"), (D(2024, 10, 7), "paid_21"))
    step = next_step(previous, D(2025, 1, 6), reason=Reason.TERM_TIME_HOLIDAY)
    assert step.step is Step.SECOND_NOTICE
    assert step.period == (D(2024, 10, 7), D(2027, 10, 6))


def test_notices_dated_after_the_day_asked_about_are_ignored():
    step = next_step(_notices((D(2025, 5, 1), "paid_21")), D(2025, 4, 30), reason=Reason.TERM_TIME_HOLIDAY)
    assert step.step is Step.FIRST_NOTICE


@pytest.mark.parametrize(
    ("previous", "reason", "support", "step", "then"),
    [
        ([], Reason.IRREGULAR_ATTENDANCE, True, Step.NOTICE_TO_IMPROVE, Step.FIRST_NOTICE),
        ([], Reason.IRREGULAR_ATTENDANCE, False, Step.FIRST_NOTICE, None),
        ([], Reason.TERM_TIME_HOLIDAY, True, Step.FIRST_NOTICE, None),  # never for a term-time holiday
        ([(FIRST, "paid_21")], Reason.IRREGULAR_ATTENDANCE, True, Step.NOTICE_TO_IMPROVE, Step.SECOND_NOTICE),
        ([(FIRST, "paid_21"), (D(2025, 1, 6), "unpaid")], Reason.IRREGULAR_ATTENDANCE, True, Step.PROSECUTION, None),
    ],
)
def test_a_notice_to_improve_comes_first_where_support_is_appropriate(previous, reason, support, step, then):
    result = next_step(_notices(*previous), D(2025, 6, 2), reason=reason, support_appropriate=support)
    assert (result.step, result.then) == (step, then)
    if step is Step.NOTICE_TO_IMPROVE:
        assert result.payments == ()


@pytest.mark.parametrize(("weeks", "valid"), [(2, False), (3, True), (6, True), (7, False)])
def test_a_notice_to_improve_gives_three_to_six_weeks(weeks, valid):
    if valid:
        assert check_improvement_weeks(weeks) == weeks
        NoticeToImprove(D(2025, 3, 3), weeks)
    else:
        with pytest.raises(ValueError, match="3 to 6 weeks"):
            NoticeToImprove(D(2025, 3, 3), weeks)


@pytest.mark.parametrize("weeks", [0, -3, 4.5, True, "4"])
def test_an_improvement_period_must_be_a_whole_number_of_weeks(weeks):
    with pytest.raises(ValueError):
        check_improvement_weeks(weeks)


@pytest.mark.parametrize(("weeks", "ends"), [(3, D(2025, 3, 23)), (6, D(2025, 4, 13))])
def test_an_improvement_period_ends_the_day_before_the_same_weekday_weeks_later(weeks, ends):
    assert NoticeToImprove(D(2025, 3, 3), weeks).ends == ends


def test_three_years_from_29_february_end_on_28_february():
    assert limit_period_end(D(2028, 2, 29)) == D(2031, 2, 28)


def test_a_notice_issued_on_the_last_day_of_the_three_years_still_counts_in_them():
    previous = _notices((FIRST, "paid_21"), (LAST_DAY, "paid_21"))
    assert next_step(previous, LAST_DAY, reason=Reason.TERM_TIME_HOLIDAY).step is Step.PROSECUTION
