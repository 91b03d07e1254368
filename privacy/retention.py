"""When a leaver's personal data may be anonymised. No Django imports.

The Pupil Registration (England) Regulations 2024 (SI 2024/208) require every attendance register entry to be kept
for at least six years (the 2006 rules said three). Marks are never deleted here, but anonymising a pupil would
stop their register entries identifying them, so no trust may choose a shorter period than six years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

MINIMUM_YEARS = 6


def check_years(years: object) -> int:
    """The period as whole years; ValueError for anything that is not a whole number of at least MINIMUM_YEARS."""
    if isinstance(years, bool) or not isinstance(years, int):
        raise ValueError(f"the retention period must be a whole number of years, not {years!r}")
    if years < MINIMUM_YEARS:
        raise ValueError(
            f"the retention period must be at least {MINIMUM_YEARS} years: register entries are kept six years"
        )
    return years


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` years earlier; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def anonymise_before(on: dt.date, years: int) -> dt.date:
    """Pupils whose last enrolment ended before this day are due on `on`: they left more than `years` ago."""
    return years_before(on, check_years(years))


def register_kept_from(on: dt.date) -> dt.date:
    """Register entries on or after this day are younger than six years on `on`."""
    return years_before(on, MINIMUM_YEARS)


def is_due(enrolment_ends: Iterable[dt.date | None], on: dt.date, years: int) -> bool:
    """Whether a pupil with these enrolment end dates (None: still on roll) is due for anonymisation on `on`.

    A pupil never enrolled is not due: nothing says when they left.
    """
    ends = list(enrolment_ends)
    if not ends or any(end is None for end in ends):
        return False
    return max(ends) < anonymise_before(on, years)  # type: ignore[type-var]


def coarse_date_of_birth(born: dt.date) -> dt.date:
    """1 September of the academic year the pupil was born in: the cohort, which the year group already tells,
    without the day that, with a name gone, could still single a child out."""
    year = born.year if born.month >= 9 else born.year - 1
    return dt.date(year, 9, 1)


def anonymous_upn(pupil_id: int) -> str:
    """A stand-in UPN for an anonymised pupil: unique in the trust, 13 characters like a UPN, never a valid UPN
    (UPNs start with a letter then digits and carry a check letter), and not derived from the real UPN."""
    return f"ANON{pupil_id:09d}"
