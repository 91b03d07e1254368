"""The pure retention rules: the period, the day it is measured back to, who is due, and what stands in for data."""

import datetime as dt

import pytest

from privacy import retention


@pytest.mark.parametrize("years", [6, 7, 10, 25])
def test_whole_years_of_six_or_more_are_accepted(years):
    assert retention.check_years(years) == years


@pytest.mark.parametrize("years", [0, 3, 5, -6])
def test_a_period_under_six_years_is_refused_because_registers_are_kept_six_years(years):
    with pytest.raises(ValueError, match="at least 6 years"):
        retention.check_years(years)


@pytest.mark.parametrize("years", [6.5, "7", None, True])
def test_a_period_that_is_not_a_whole_number_is_refused(years):
    with pytest.raises(ValueError, match="whole number"):
        retention.check_years(years)


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (dt.date(2033, 9, 1), 6, dt.date(2027, 9, 1)),
        (dt.date(2033, 9, 1), 10, dt.date(2023, 9, 1)),
        (dt.date(2032, 2, 29), 6, dt.date(2026, 2, 28)),
    ],
)
def test_the_period_is_measured_back_to_the_same_day_or_28_february(day, years, expected):
    assert retention.years_before(day, years) == expected


@pytest.mark.parametrize(
    ("ends", "due"),
    [
        ([dt.date(2026, 7, 20)], True),  # left seven years before
        ([dt.date(2027, 8, 31)], True),  # the day before the cut-off
        ([dt.date(2027, 9, 1)], False),  # exactly six years before: not more than six
        ([dt.date(2028, 7, 20)], False),  # left five years before
        ([dt.date(2020, 7, 20), dt.date(2028, 7, 20)], False),  # moved school and left later: the last end counts
        ([dt.date(2020, 7, 20), None], False),  # still on roll somewhere
        ([], False),  # never enrolled: no leaving date to count from
    ],
)
def test_a_pupil_is_due_only_when_their_last_enrolment_ended_more_than_the_period_ago(ends, due):
    assert retention.is_due(ends, dt.date(2033, 9, 1), 6) is due


@pytest.mark.parametrize(
    ("born", "cohort"),
    [
        (dt.date(2016, 3, 14), dt.date(2015, 9, 1)),
        (dt.date(2016, 8, 31), dt.date(2015, 9, 1)),
        (dt.date(2016, 9, 1), dt.date(2016, 9, 1)),
        (dt.date(2016, 12, 25), dt.date(2016, 9, 1)),
    ],
)
def test_a_date_of_birth_is_coarsened_to_the_start_of_its_academic_year(born, cohort):
    assert retention.coarse_date_of_birth(born) == cohort


def test_the_stand_in_upn_has_a_upns_length_and_is_not_a_real_upn():
    token = retention.anonymous_upn(42)
    assert token == "ANON000000042"
    assert len(token) == 13
    assert not token[1:4].isdigit()
