"""The code for a pupil who arrives after the register has begun. No Django imports.

Regulation 10: L is "absent when the register begins to be taken but attends before the taking of the register has
ended"; U is arriving after the register has closed but before the end of the session (unauthorised absence).
Each school sets its times (Waterton: L from 8:45 to 8:55, U after 8:55; Omega: registers close no later than
30 minutes after the start of roll call).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PRESENT_CODE = {"AM": "/", "PM": "\\"}


@dataclass(frozen=True)
class SessionTimes:
    starts: dt.time  # roll call begins
    closes: dt.time  # the register closes
    late_until: dt.time  # an arrival after close is L up to this time, U after it

    def __post_init__(self) -> None:
        if not self.starts <= self.closes <= self.late_until:
            raise ValueError("a session's times must run: roll call starts, register closes, late limit")


def code_for_arrival(session: str, arrival: dt.time, times: SessionTimes) -> str:
    """`/` or `\\` on time, L up to the school's late limit, U after it."""
    if arrival <= times.starts:
        return PRESENT_CODE[session]
    if arrival <= times.late_until:
        return "L"
    return "U"


def minutes_late(arrival: dt.time, times: SessionTimes) -> int:
    """Whole minutes after roll call began (0 when on time)."""
    delta = dt.datetime.combine(dt.date.min, arrival) - dt.datetime.combine(dt.date.min, times.starts)
    return max(0, int(delta.total_seconds() // 60))


def register_is_open(now: dt.time, times: SessionTimes) -> bool:
    """The register may still be taken as on time or late (L) before it closes."""
    return now <= times.closes
