"""The National Framework for Penalty Notices (August 2024): the threshold, term-time leave and the notice ledger.
No Django imports.

Sources (evidence in shared/reference/attendance-rules-and-market.md, section 1c):
- DfE, "Working together to improve school attendance" (August 2024) and the National Framework for Penalty Notices;
  the Education (Penalty Notices) (England) (Amendment) Regulations 2024, in force from 19 August 2024.
- Threshold: 10 sessions of unauthorised absence (G, N, O or U, singly or in combination) within a rolling period of
  10 school weeks; a school week is "any week in which there is at least one school session", so the period spans
  holidays, terms and school years (Manchester City Council code of conduct section 4.2; St Andrew's Benn Primary).
- N is "reason not yet established" and may later be authorised, so a hit that needs N sessions is provisional.
- Amounts: a first notice is £160 if paid within 28 days, reducing to £80 if paid within 21 days; a second notice to
  the same parent for the same child within 3 years of the first is £160 flat, within 28 days. At most two notices per
  parent per child in 3 years: a third is not issued and the route is prosecution (s444 Education Act 1996) or another
  attendance legal intervention (Saughall All Saints; pondhu.eschools; Manchester section 4.1).
- Previous notices include unpaid and prosecuted ones but not withdrawn ones (Manchester section 4.3); the 3 years run
  from the first notice issued on or after 19 August 2024 (Saughall All Saints).
- Notice to Improve: the final chance to engage with support before a notice, with an improvement period of 3 to 6
  weeks (Nottinghamshire; Rotherham); not given for term-time holidays (Cognus).
- Term-time leave: Waterton issues notices for term-time leave (G) of 5 or more consecutive or accumulative days
  (Waterton attendance policy, "Penalty notices will be issued for").
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from registers import codes as C
from schools.calendar import week_of

MarkTuple = tuple[dt.date, str, str]  # (date, session "AM"/"PM", code)

THRESHOLD_SESSIONS = 10
WINDOW_SCHOOL_WEEKS = 10
LEAVE_DAYS = 5  # Waterton: term-time leave of 5 or more school days
FRAMEWORK_START = dt.date(2024, 8, 19)
LIMIT_YEARS = 3
NOTICES_PER_PERIOD = 2
NTI_MIN_WEEKS, NTI_MAX_WEEKS = 3, 6

FIRST_NOTICE_REDUCED = Decimal("80")
FIRST_NOTICE_FULL = Decimal("160")
SECOND_NOTICE = Decimal("160")
REDUCED_DAYS, FULL_DAYS = 21, 28


# --- The threshold ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThresholdCheck:
    """The rolling window of 10 school weeks up to a day, and the G/N/O/U sessions inside it."""

    on: dt.date
    first_week: dt.date | None  # Monday of the window's earliest school week; None before any school week
    last_week: dt.date | None  # Monday of the window's latest school week
    sessions: tuple[MarkTuple, ...]  # the counting sessions, oldest first

    @property
    def count(self) -> int:
        return len(self.sessions)

    @property
    def met(self) -> bool:
        return self.count >= THRESHOLD_SESSIONS

    @property
    def without_n(self) -> int:
        """Counting sessions other than N (reason not yet established)."""
        return sum(code != "N" for _, _, code in self.sessions)

    @property
    def provisional(self) -> bool:
        """The threshold is met only thanks to N sessions, which may yet be authorised."""
        return self.met and self.without_n < THRESHOLD_SESSIONS

    @property
    def headroom(self) -> int:
        """Counting sessions still to go in this window before the threshold is met; 0 once it is."""
        return max(0, THRESHOLD_SESSIONS - self.count)


def school_weeks(school_days: Iterable[dt.date]) -> list[dt.date]:
    """The Mondays of every week with at least one school day, oldest first."""
    return sorted({week_of(d) for d in school_days})


def window(school_days: Iterable[dt.date], on: dt.date) -> tuple[dt.date, dt.date] | None:
    """(first, last) Monday of the 10 school weeks ending with `on`'s week, or the last school week before it when
    `on` falls in a holiday. Fewer weeks when the calendar starts later; None when no school week has begun."""
    weeks = [w for w in school_weeks(school_days) if w <= on]
    if not weeks:
        return None
    recent = weeks[-WINDOW_SCHOOL_WEEKS:]
    return recent[0], recent[-1]


def threshold(school_days: Iterable[dt.date], marks: Iterable[MarkTuple], on: dt.date) -> ThresholdCheck:
    """The threshold check on `on`: counting sessions dated from the window's first Monday up to `on` inclusive.

    `school_days` are the pupil's school's days, across as many terms and years as the window needs; `marks` are the
    pupil's (date, session, code) tuples. Raises UnknownCode for a code outside the statutory table.
    """
    marks = list(marks)
    C.check_all(code for _, _, code in marks)
    span = window(school_days, on)
    if span is None:
        return ThresholdCheck(on, None, None, ())
    first, last = span
    counting = sorted(m for m in marks if first <= m[0] <= on and m[2] in C.PENALTY_NOTICE)
    return ThresholdCheck(on, first, last, tuple(counting))


def headroom(school_days: Iterable[dt.date], marks: Iterable[MarkTuple], on: dt.date) -> int:
    """How many more G/N/O/U sessions in the current window would meet the threshold (0 when it is met).

    Sessions leave the window as it rolls on, so the figure is for the window as it stands on `on`.
    """
    return threshold(school_days, marks, on).headroom


# --- Term-time leave ----------------------------------------------------------------------------------------------


class LeaveBreach(enum.StrEnum):
    CONSECUTIVE = "consecutive"  # 5 or more whole school days of G in a row
    ACCUMULATIVE = "accumulative"  # 5 or more school days of G in total, not in a row


@dataclass(frozen=True)
class LeaveCheck:
    """Unauthorised leave (G) within one leave period, in school days."""

    first_day: dt.date
    last_day: dt.date
    longest_run: int  # whole school days of G in a row (weekends and holidays do not break a run)
    days: Decimal  # G sessions as school days, two sessions to a day
    sessions: tuple[MarkTuple, ...]  # the G sessions, oldest first

    @property
    def breach(self) -> LeaveBreach | None:
        """CONSECUTIVE when the run reaches 5 days, else ACCUMULATIVE when the total does, else None."""
        if self.longest_run >= LEAVE_DAYS:
            return LeaveBreach.CONSECUTIVE
        if self.days >= LEAVE_DAYS:
            return LeaveBreach.ACCUMULATIVE
        return None

    @property
    def met(self) -> bool:
        return self.breach is not None


def term_time_leave(
    school_days: Iterable[dt.date], marks: Iterable[MarkTuple], first_day: dt.date, last_day: dt.date
) -> LeaveCheck:
    """Check one leave period (e.g. a refused leave request's first and last day, inclusive) against Waterton's rule.

    A school day counts towards a run when both its sessions are G; half days count towards the total only.
    """
    if last_day < first_day:
        raise ValueError("a leave period cannot end before it starts")
    marks = list(marks)
    C.check_all(code for _, _, code in marks)
    g = tuple(sorted(m for m in marks if first_day <= m[0] <= last_day and m[2] == "G"))
    g_sessions_by_day: dict[dt.date, set[str]] = {}
    for day, session, _ in g:
        g_sessions_by_day.setdefault(day, set()).add(session)
    run = longest = 0
    for day in sorted(d for d in set(school_days) if first_day <= d <= last_day):
        run = run + 1 if g_sessions_by_day.get(day, set()) >= {"AM", "PM"} else 0
        longest = max(longest, run)
    return LeaveCheck(first_day, last_day, longest, Decimal(len(g)) / 2, g)


# --- The ledger per parent per child ------------------------------------------------------------------------------


class NoticeStatus(enum.StrEnum):
    PAID_21 = "paid_21"
    PAID_28 = "paid_28"
    UNPAID = "unpaid"
    PROSECUTED = "prosecuted"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class PriorNotice:
    """A penalty notice already issued to this parent for this child."""

    issued: dt.date
    status: NoticeStatus


class Reason(enum.StrEnum):
    TERM_TIME_HOLIDAY = "term_time_holiday"
    IRREGULAR_ATTENDANCE = "irregular_attendance"


class Step(enum.StrEnum):
    NOTICE_TO_IMPROVE = "notice_to_improve"
    FIRST_NOTICE = "first_notice"
    SECOND_NOTICE = "second_notice"
    PROSECUTION = "prosecution"  # or another attendance legal intervention: no third notice


@dataclass(frozen=True)
class Payment:
    amount: Decimal
    pay_by: dt.date  # last day to pay this amount


@dataclass(frozen=True)
class NextStep:
    """What the ledger allows next for one parent and one child."""

    step: Step
    then: Step | None  # after a Notice to Improve: the notice that follows if attendance does not improve
    payments: tuple[Payment, ...]  # cheapest first; empty unless a notice is the step
    period: tuple[dt.date, dt.date] | None  # the 3-year period in force (first and last day), if any
    counted: tuple[PriorNotice, ...]  # the notices that count in that period, oldest first


def limit_period_end(first: dt.date) -> dt.date:
    """The last day of the 3 years that start on `first`: the day before the third anniversary."""
    try:
        anniversary = first.replace(year=first.year + LIMIT_YEARS)
    except ValueError:  # 29 February
        anniversary = dt.date(first.year + LIMIT_YEARS, 3, 1)
    return anniversary - dt.timedelta(days=1)


def limit_period(
    previous: Iterable[PriorNotice], on: dt.date
) -> tuple[tuple[dt.date, dt.date] | None, tuple[PriorNotice, ...]]:
    """The 3-year period in force on `on` and the notices counting in it.

    Only notices issued from 19 August 2024 up to `on` that were not withdrawn count. The first such notice opens a
    period of 3 years; the first counting notice after a period has ended opens the next one.
    """
    counting = sorted(
        (n for n in previous if n.status is not NoticeStatus.WITHDRAWN and FRAMEWORK_START <= n.issued <= on),
        key=lambda n: n.issued,
    )
    period: tuple[dt.date, dt.date] | None = None
    in_period: list[PriorNotice] = []
    for notice in counting:
        if period is None or notice.issued > period[1]:
            period, in_period = (notice.issued, limit_period_end(notice.issued)), []
        in_period.append(notice)
    if period is None or on > period[1]:
        return None, ()
    return period, tuple(in_period)


def payments(step: Step, issued: dt.date) -> tuple[Payment, ...]:
    """The amounts and pay-by dates of a notice issued on `issued`; empty for a step that is not a notice."""
    if step is Step.FIRST_NOTICE:
        return (
            Payment(FIRST_NOTICE_REDUCED, issued + dt.timedelta(days=REDUCED_DAYS)),
            Payment(FIRST_NOTICE_FULL, issued + dt.timedelta(days=FULL_DAYS)),
        )
    if step is Step.SECOND_NOTICE:
        return (Payment(SECOND_NOTICE, issued + dt.timedelta(days=FULL_DAYS)),)
    return ()


def next_step(
    previous: Iterable[PriorNotice], on: dt.date, *, reason: Reason, support_appropriate: bool = False
) -> NextStep:
    """The next step on `on` for a parent and child whose threshold is met, given the parent's earlier notices for
    that child.

    No notice in the 3-year period in force gives a first notice, one gives a second, two give prosecution or another
    legal intervention. A Notice to Improve comes before a notice when the school judges support appropriate, never for
    a term-time holiday; `then` names the notice it leads to.
    """
    period, counted = limit_period(previous, on)
    notice = (Step.FIRST_NOTICE, Step.SECOND_NOTICE, Step.PROSECUTION)[min(len(counted), NOTICES_PER_PERIOD)]
    if notice is not Step.PROSECUTION and support_appropriate and reason is not Reason.TERM_TIME_HOLIDAY:
        return NextStep(Step.NOTICE_TO_IMPROVE, notice, (), period, counted)
    return NextStep(notice, None, payments(notice, on), period, counted)


@dataclass(frozen=True)
class NoticeToImprove:
    """A Notice to Improve: raises ValueError unless the improvement period is 3 to 6 weeks."""

    issued: dt.date
    weeks: int

    def __post_init__(self) -> None:
        check_improvement_weeks(self.weeks)

    @property
    def ends(self) -> dt.date:
        """The last day of the improvement period."""
        return self.issued + dt.timedelta(weeks=self.weeks, days=-1)


def check_improvement_weeks(weeks: int) -> int:
    """Return `weeks` if it is a whole number from 3 to 6; raise ValueError otherwise."""
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not NTI_MIN_WEEKS <= weeks <= NTI_MAX_WEEKS:
        raise ValueError(f"a Notice to Improve's improvement period must be {NTI_MIN_WEEKS} to {NTI_MAX_WEEKS} weeks")
    return weeks
