"""The DfE statistics definitions, on plain lists of codes."""

from decimal import Decimal

import pytest

from registers import codes as C
from registers.statistics import SessionCounts, count_codes, percent, total


def test_attendance_counts_present_and_approved_activity_over_possible_sessions():
    counts = count_codes(["/", "\\", "L", "V", "I", "O", "X", "#"])
    assert counts == SessionCounts(possible=6, present=3, approved_activity=1, authorised=1, unauthorised=1, late=1)
    assert counts.attendance_pct == Decimal("66.7")


def test_sessions_that_are_not_possible_leave_the_denominator():
    assert count_codes(["X", "Y1", "Q", "D", "Z", "#"]).possible == 0


def test_no_possible_sessions_gives_no_percentage_and_no_persistent_absence():
    counts = count_codes(["X", "X"])
    assert counts.attendance_pct is None
    assert not counts.persistent and not counts.severe


def test_u_is_a_late_and_an_unauthorised_absence():
    counts = count_codes(["U"])
    assert (counts.late, counts.unauthorised, counts.attended) == (1, 1, 0)


def test_missing_exactly_ten_percent_is_persistent_absence():
    assert count_codes(["/"] * 18 + ["I", "O"]).persistent


def test_missing_just_under_ten_percent_is_not_persistent_absence():
    # 9.97% would round to 10.0% but is not 10% or more.
    counts = SessionCounts(possible=301, present=271, authorised=30)
    assert counts.attendance_pct == Decimal("90.0")
    assert not counts.persistent


def test_missing_half_of_sessions_is_severe_absence():
    assert count_codes(["/", "N"]).severe
    assert not count_codes(["/", "/", "N"]).severe


def test_days_absent_are_sessions_halved():
    assert count_codes(["I", "I", "O"]).days_absent == Decimal("1.5")


def test_percentages_round_half_up_to_one_place():
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 16) == Decimal("6.3")
    assert percent(2, 3) == Decimal("66.7")


def test_group_totals_sum_sessions_rather_than_averaging_percentages():
    one = count_codes(["/"] * 9 + ["I"])  # 90%
    two = count_codes(["/", "/"])  # 100%
    assert total([one, two]).attendance_pct == Decimal("91.7")  # 11/12, not the mean 95%


def test_an_unknown_code_is_refused():
    with pytest.raises(C.UnknownCode):
        count_codes(["/", "H"])


@pytest.mark.parametrize("code", sorted(C.KNOWN))
def test_every_code_falls_in_exactly_one_category(code):
    sets = [C.PRESENT, C.APPROVED_ACTIVITY, C.AUTHORISED, C.UNAUTHORISED, C.NOT_POSSIBLE]
    assert sum(code in s for s in sets) == 1
