"""When a missing reason turns N into O. No Django imports.

N ("reason not yet established") is temporary. The school leaflet: "If after 5 days no reason has been provided the
absence will be recorded as 'unauthorised'" — counted in school days (the school's `reason_deadline_days`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def overdue_through(today: dt.date, school_days: Iterable[dt.date], limit: int) -> dt.date | None:
    """The last absence date whose N is overdue on `today`: `limit` school days have passed after it, up to today.

    An N on date `a` is overdue when at least `limit` school days fall in (a, today]. Returns None when no date is
    overdue yet (too few school days so far).
    """
    if limit < 1:
        raise ValueError("the reason deadline is at least one school day")
    days = sorted(d for d in school_days if d <= today)
    return days[-(limit + 1)] if len(days) > limit else None
