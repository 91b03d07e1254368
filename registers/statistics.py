"""Attendance statistics as the DfE defines them, for one pupil or summed over a group. No Django imports.

- attendance % = sessions attended (present or approved educational activity) / possible sessions
- persistent absence: missed 10% or more of possible sessions; severe absence: 50% or more
- group figures are sums of sessions, never means of pupils' percentages

The database computes the same counts (registers.models.MarkQuerySet.session_counts); tests hold the two together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

from . import codes as C

PERSISTENT_ABSENCE = Decimal("0.10")
SEVERE_ABSENCE = Decimal("0.50")


@dataclass(frozen=True)
class SessionCounts:
    possible: int = 0
    present: int = 0
    approved_activity: int = 0
    authorised: int = 0
    unauthorised: int = 0
    late: int = 0

    def __add__(self, other: SessionCounts) -> SessionCounts:
        return SessionCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def attended(self) -> int:
        return self.present + self.approved_activity

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def attendance_rate(self) -> Decimal | None:
        """Attended / possible as an exact fraction; None when there were no possible sessions."""
        return Decimal(self.attended) / Decimal(self.possible) if self.possible else None

    @property
    def absence_rate(self) -> Decimal | None:
        return Decimal(self.absent) / Decimal(self.possible) if self.possible else None

    @property
    def attendance_pct(self) -> Decimal | None:
        """Attendance as a percentage rounded half-up to one decimal place, e.g. Decimal("93.3")."""
        return percent(self.attended, self.possible)

    @property
    def persistent(self) -> bool:
        """Missed 10% or more of possible sessions (compared exactly, never after rounding)."""
        return bool(self.possible) and self.absent * 10 >= self.possible

    @property
    def severe(self) -> bool:
        return bool(self.possible) and self.absent * 2 >= self.possible

    @property
    def days_absent(self) -> Decimal:
        """Sessions absent as school days, for parents: two sessions make a day."""
        return Decimal(self.absent) / 2

    def as_dict(self) -> dict[str, object]:
        return {
            "possible": self.possible,
            "present": self.present,
            "approved_activity": self.approved_activity,
            "authorised": self.authorised,
            "unauthorised": self.unauthorised,
            "late": self.late,
            "attendance_pct": float(self.attendance_pct) if self.attendance_pct is not None else None,
            "persistent": self.persistent,
            "severe": self.severe,
        }


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def count_codes(codes: Iterable[str]) -> SessionCounts:
    """Count one pupil's (or a group's) marks; raises UnknownCode for a code outside the statutory table."""
    codes = list(codes)
    C.check_all(codes)
    return SessionCounts(
        possible=sum(c in C.POSSIBLE for c in codes),
        present=sum(c in C.PRESENT for c in codes),
        approved_activity=sum(c in C.APPROVED_ACTIVITY for c in codes),
        authorised=sum(c in C.AUTHORISED for c in codes),
        unauthorised=sum(c in C.UNAUTHORISED for c in codes),
        late=sum(c in C.LATE for c in codes),
    )


def total(counts: Iterable[SessionCounts]) -> SessionCounts:
    """Group totals the DfE way: sums of sessions."""
    return sum(counts, SessionCounts())
