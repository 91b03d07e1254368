import datetime as dt

from schools import calendar

D = dt.date


def test_school_days_are_weekdays_inside_half_terms():
    days = calendar.school_days([(D(2026, 9, 3), D(2026, 9, 9))])
    assert days == [D(2026, 9, 3), D(2026, 9, 4), D(2026, 9, 7), D(2026, 9, 8), D(2026, 9, 9)]


def test_inset_days_and_closures_are_not_school_days():
    days = calendar.school_days(
        [(D(2026, 9, 7), D(2026, 9, 11))], [(D(2026, 9, 7), D(2026, 9, 7)), (D(2026, 9, 10), D(2026, 9, 11))]
    )
    assert days == [D(2026, 9, 8), D(2026, 9, 9)]


def test_holidays_between_half_terms_are_not_school_days():
    days = calendar.school_days([(D(2026, 10, 19), D(2026, 10, 23)), (D(2026, 11, 2), D(2026, 11, 6))])
    assert D(2026, 10, 27) not in days
    assert len(days) == 10


def test_the_academic_year_turns_on_the_first_of_august():
    assert calendar.academic_year(D(2026, 7, 31)) == 2025
    assert calendar.academic_year(D(2026, 8, 1)) == 2026
    assert calendar.academic_year_label(2026) == "2026/27"


def test_a_school_week_starts_on_monday():
    assert calendar.week_of(D(2026, 11, 22)) == D(2026, 11, 16)
