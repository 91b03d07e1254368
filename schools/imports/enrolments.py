"""Where a pupil's enrolments go when a file says they are at a school. No Django imports.

One pupil record per UPN in the trust: a pupil who moves between the trust's schools keeps their record and gets a
new enrolment at the school importing them, and their open enrolment at the school they left ends the day before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class EnrolmentLike(Protocol):
    school_id: int
    starts: dt.date
    ends: dt.date | None


@dataclass
class EnrolmentPlan:
    create: tuple[dt.date, dt.date | None] | None = None  # (starts, ends) of a new enrolment at the school
    update: tuple[EnrolmentLike, dt.date, dt.date | None] | None = None  # (enrolment, new starts, new ends)
    close: list[tuple[EnrolmentLike, dt.date]] = field(default_factory=list)  # (open enrolment elsewhere, new ends)

    @property
    def changes_anything(self) -> bool:
        return bool(self.create or self.update or self.close)


def plan(
    enrolments: Sequence[EnrolmentLike],
    school_id: int,
    admission: dt.date | None,
    leaving: dt.date | None,
    today: dt.date,
    *,
    admission_is_exact: bool = True,
) -> EnrolmentPlan:
    """What to change so the pupil is on `school_id`'s roll from `admission` (today if None) until `leaving`.

    An enrolment at the school that is still open, or ends on or after the admission date, is kept (its dates are
    corrected where the file gives them), so a second import of the same file changes nothing. Otherwise a new
    enrolment starts, and open enrolments at other schools that began earlier end the day before it.
    When `admission_is_exact` is False the admission date is only the latest the pupil can have joined (the first
    day a CTF has marks for): an earlier saved admission date stands.
    """
    starts = admission or today
    here = sorted((e for e in enrolments if e.school_id == school_id), key=lambda e: e.starts, reverse=True)
    current = next((e for e in here if e.ends is None or e.ends >= starts), None)
    if current is not None:
        new_starts = admission or current.starts
        if not admission_is_exact:
            new_starts = min(new_starts, current.starts)
        new_ends = leaving if leaving is not None else current.ends
        if (new_starts, new_ends) != (current.starts, current.ends):
            return EnrolmentPlan(update=(current, new_starts, new_ends))
        return EnrolmentPlan()
    elsewhere = [e for e in enrolments if e.school_id != school_id and e.ends is None and e.starts < starts]
    return EnrolmentPlan(create=(starts, leaving), close=[(e, starts - dt.timedelta(days=1)) for e in elsewhere])
