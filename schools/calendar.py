"""School days from a calendar. No Django imports.

School days are the weekdays inside half-terms, less INSET days and closures. "School day" and "school week"
everywhere in the product count these, never calendar days; a school week is any week with at least one school
session (National Framework for Penalty Notices).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

DateRange = tuple[dt.date, dt.date]


def days_in(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)


def school_days(half_terms: Iterable[DateRange], closures: Iterable[DateRange] = ()) -> list[dt.date]:
    """Sorted weekdays inside any half-term and outside every closure."""
    closed = {d for start, end in closures for d in days_in(start, end)}
    return sorted({d for start, end in half_terms for d in days_in(start, end) if d.weekday() < 5 and d not in closed})


def academic_year(day: dt.date) -> int:
    """The calendar year the academic year containing `day` starts in; years turn on 1 August (as the CTF does)."""
    return day.year if day.month >= 8 else day.year - 1


def week_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def academic_year_label(year: int) -> str:
    return f"{year}/{str(year + 1)[-2:]}"
