"""Headroom: how many more sessions a pupil can miss before a line is crossed, and who is on course to cross the
persistent-absence line. No Django imports.

- Persistent absence (PA) is missing 10% or more of possible sessions, severe absence (SA) 50% or more
  (registers.statistics). Headroom to a line is measured at the end of the academic year: the sessions the pupil can
  still miss and end the year below it, assuming every remaining school session (two per SchoolDay after today) is a
  possible session for them. When even full attendance from now on leaves them at or over the line, the line is
  certain and there is no headroom.
- The penalty-notice headroom is interventions.penalty's: G, N, O and U sessions still to go before 10 in the current
  rolling window of 10 school weeks, a window that moves on as weeks pass.
- On course to become persistently absent: not persistently absent yet, but the year would end at 10% or more if the
  pupil kept missing sessions at the rate of their latest whole school weeks (the four before this one) for the
  rest of the year.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from interventions import penalty
from interventions.penalty import ThresholdCheck
from registers.statistics import SessionCounts

PERSISTENT = Fraction(1, 10)
SEVERE = Fraction(1, 2)
RECENT_WEEKS = 4


class Standing(enum.StrEnum):
    CLEAR = "clear"  # can still miss `sessions` more and end the year below the line
    CERTAIN = "certain"  # at or over the line at year end even attending every remaining session


@dataclass(frozen=True)
class Spare:
    """Sessions to spare before a line at year end."""

    sessions: int
    standing: Standing
    all_remaining: bool = False  # missing every remaining session would still stay below the line

    @property
    def days(self) -> Decimal:
        """The sessions as school days, two sessions to a day (the way parents are told)."""
        return Decimal(self.sessions) / 2

    @property
    def certain(self) -> bool:
        return self.standing is Standing.CERTAIN


def spare(possible: int, absent: int, sessions_left: int, line: Fraction) -> Spare:
    """The most sessions the pupil can still miss and end the year below `line` (a share of possible sessions).

    `possible` and `absent` are the year so far; `sessions_left` the school sessions still to come. The line is met
    when absent >= line * possible, compared exactly as registers.statistics compares PA and SA. With no possible
    sessions at all, this year or to come, the line cannot be met. Raises ValueError for a negative figure.
    """
    if min(possible, absent, sessions_left) < 0 or absent > possible:
        raise ValueError("sessions cannot be negative, nor absences more than possible sessions")
    total = possible + sessions_left
    if total == 0:
        return Spare(0, Standing.CLEAR, all_remaining=True)
    # Absences at year end stay below the line while absent * den < total * num, i.e. absent <= ceil(...) - 1.
    most_absent = (total * line.numerator - 1) // line.denominator
    extra = most_absent - absent
    if extra < 0:
        return Spare(0, Standing.CERTAIN)
    return Spare(min(extra, sessions_left), Standing.CLEAR, all_remaining=extra >= sessions_left)


@dataclass(frozen=True)
class Headroom:
    """One pupil's headroom on a day: the year so far, what is left, and each line's spare sessions."""

    counts: SessionCounts  # the year so far
    sessions_left: int
    persistent: Spare
    severe: Spare
    penalty: ThresholdCheck | None  # None where the school has no school weeks yet

    @property
    def penalty_sessions(self) -> int | None:
        """G/N/O/U sessions to go before the penalty-notice threshold; None with no window yet."""
        return self.penalty.headroom if self.penalty is not None else None

    @property
    def sort_key(self) -> tuple:
        """Least headroom first: PA certain, then fewest sessions to spare, then lowest attendance, then nearest the
        penalty threshold."""
        rate = self.counts.attendance_rate
        return (
            not self.persistent.certain,
            self.persistent.sessions,
            rate if rate is not None else 1,
            self.penalty_sessions if self.penalty_sessions is not None else penalty.THRESHOLD_SESSIONS,
        )


def headroom(counts: SessionCounts, sessions_left: int, penalty: ThresholdCheck | None) -> Headroom:
    return Headroom(
        counts=counts,
        sessions_left=sessions_left,
        persistent=spare(counts.possible, counts.absent, sessions_left, PERSISTENT),
        severe=spare(counts.possible, counts.absent, sessions_left, SEVERE),
        penalty=penalty,
    )


# --- On course to become persistently absent -------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """The year so far, the latest weeks, and the year-end absence rate if the latest weeks' rate carried on."""

    year: SessionCounts
    recent: SessionCounts
    sessions_left: int

    @property
    def recent_rate(self) -> Fraction | None:
        return Fraction(self.recent.absent, self.recent.possible) if self.recent.possible else None

    @property
    def projected_rate(self) -> Fraction | None:
        """(absent so far + recent rate x sessions left) / (possible so far + sessions left); None without a rate."""
        rate, total = self.recent_rate, self.year.possible + self.sessions_left
        if rate is None or total == 0:
            return None
        return (self.year.absent + rate * self.sessions_left) / total

    @property
    def projected_pct(self) -> Decimal | None:
        """The projected absence rate as a percentage to one decimal place."""
        rate = self.projected_rate
        if rate is None:
            return None
        return (Decimal(rate.numerator) * 100 / Decimal(rate.denominator)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def on_course(self) -> bool:
        """Not persistently absent now, but projected to end the year at 10% or more."""
        rate = self.projected_rate
        return not self.year.persistent and rate is not None and rate >= PERSISTENT


def on_course(year: SessionCounts, recent: SessionCounts, sessions_left: int) -> Projection:
    return Projection(year=year, recent=recent, sessions_left=sessions_left)
