import datetime as dt

import pytest

from registers.reasons import overdue_through
from schools.calendar import school_days

D = dt.date
# Two weeks of school with a half-term holiday between them.
DAYS = school_days([(D(2026, 10, 12), D(2026, 10, 23)), (D(2026, 11, 2), D(2026, 11, 6))])


def test_an_n_becomes_overdue_after_five_further_school_days():
    # Absent Monday 12 Oct; Tue-Fri and Mon 19 Oct are the five school days after it.
    assert overdue_through(D(2026, 10, 19), DAYS, 5) == D(2026, 10, 12)
    assert overdue_through(D(2026, 10, 16), DAYS, 5) is None


def test_holidays_do_not_count_towards_the_deadline():
    # Absent Fri 23 Oct before half-term: the five school days are 2-6 November.
    assert overdue_through(D(2026, 11, 5), DAYS, 5) == D(2026, 10, 22)
    assert overdue_through(D(2026, 11, 6), DAYS, 5) == D(2026, 10, 23)


def test_a_weekend_run_uses_the_last_school_day():
    assert overdue_through(D(2026, 10, 25), DAYS, 5) == overdue_through(D(2026, 10, 23), DAYS, 5)


def test_the_deadline_is_at_least_one_school_day():
    with pytest.raises(ValueError):
        overdue_through(D(2026, 10, 19), DAYS, 0)
