"""What the marks say about an absence: unexplained today, converted by the afternoon, a run of absent days, a run
fully justified, and the tasks a run calls for. No Django imports.

The triage page, the long-absence page and the follow-up tasks all use these definitions:

- A session's state today is its code; MISSING when the pupil's group register for that session was taken and has no
  mark for them (treated as absent, reason unknown); None while the register has not been taken.
- Unexplained now: the latest session with a state is N or MISSING. A pupil marked N in the morning stays on the
  list until the afternoon register says otherwise; one present in the afternoon has converted.
- A converted morning (Omega Charter, daily meeting: "targets for conversion to present PM mark"): an absence code
  in the AM and an attendance code (present or approved educational activity) in the PM.
- An absent day: at least one session marked and every marked session an absence code (authorised or unauthorised).
  A school day without marks breaks a run, except the latest one (today, before its registers), which is left out.
  A session that is not a possible session (X, Y1-Y7, #, ...) is not an absence, so it breaks a run too.
- Fully justified (Omega Charter, Day 3: a home visit "in all cases where child has been absent for three days or
  more and reason is not completely justified (eg hospital admission)"): every session of the run is coded M, or
  coded I with "medical evidence" or "hospital" in the mark's note, which is where the office records the evidence
  it has seen. An illness the school has no evidence for is not fully justified, so it still gets a home visit.
- Waterton visits on day 2 and day 4 of an *unexplained* absence ("where no contact has been established by the
  parent and the absence remains unexplained"): there, a run counts as justified once no session in it is N.
- Days without contact: the school days of the run after the family was last reached (a contact attempt that
  reached them, or a parent's absence report). Contact before the run started does not shorten it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from registers import codes as C

from .triage import Follow, follow_ups

MISSING = "missing"  # a taken register without a mark for the pupil
UNEXPLAINED = frozenset({"N", MISSING})
SESSIONS = ("AM", "PM")

# The short list of codes the office sets when a parent gives a reason on the day.
REASON_CODES = ("I", "M", "R", "G", "O")
JUSTIFYING_CODES = frozenset({"M"})
EVIDENCED_CODES = frozenset({"I"})
EVIDENCE_WORDS = ("medical evidence", "hospital")

# How far back a run is looked for: far enough for Waterton's 20 school days without contact.
LOOKBACK_SCHOOL_DAYS = 25
CALL_DUE = dt.time(11, 0)
VISIT_DUE = dt.time(14, 0)


def session_state(code: str | None, register_taken: bool) -> str | None:
    """The session's code; MISSING for a taken register without the pupil's mark; None before the register."""
    if code:
        return code
    return MISSING if register_taken else None


def latest_state(am: str | None, pm: str | None) -> str | None:
    return pm if pm is not None else am


def unexplained(am: str | None, pm: str | None) -> bool:
    """Absent with no reason now: the latest session with a state is N or a taken register without a mark."""
    return latest_state(am, pm) in UNEXPLAINED


def converted(am: str | None, pm: str | None) -> bool:
    """Absent in the morning (an absence code) and attending in the afternoon (an attendance code)."""
    return am in C.ABSENT and pm in C.ATTENDING


def sessions_to_code(am: str | None, pm: str | None, rest_of_day: bool) -> list[str]:
    """The sessions a reason given today sets: the unexplained ones, and those not yet taken if `rest_of_day`."""
    states = dict(zip(SESSIONS, (am, pm), strict=True))
    return [s for s in SESSIONS if states[s] in UNEXPLAINED or (rest_of_day and states[s] is None)]


def session_justified(code: str, note: str) -> bool:
    """Fully justified on its own: M, or I with the evidence recorded in the note (the SQL in day3 mirrors this)."""
    lowered = note.lower()
    return code in JUSTIFYING_CODES or (code in EVIDENCED_CODES and any(w in lowered for w in EVIDENCE_WORDS))


@dataclass(frozen=True)
class DayMarks:
    """One school day of a pupil's marks, counted by the database."""

    date: dt.date
    marked: int = 0
    absent: int = 0
    justified: int = 0  # sessions with session_justified()
    unexplained: int = 0  # sessions coded N
    codes: tuple[str, ...] = ()  # AM first

    @property
    def is_absent(self) -> bool:
        return self.marked > 0 and self.absent == self.marked


@dataclass(frozen=True)
class Run:
    days: tuple[DayMarks, ...]  # oldest first; empty when the pupil is not absent now

    @property
    def length(self) -> int:
        return len(self.days)

    @property
    def first_day(self) -> dt.date | None:
        return self.days[0].date if self.days else None

    @property
    def last_day(self) -> dt.date | None:
        return self.days[-1].date if self.days else None

    @property
    def fully_justified(self) -> bool:
        return bool(self.days) and all(d.justified == d.marked for d in self.days)

    @property
    def explained(self) -> bool:
        return bool(self.days) and not any(d.unexplained for d in self.days)


def absence_run(days: Sequence[DayMarks]) -> Run:
    """The run of absent school days ending with the latest day that has marks (`days` oldest first, one per day).

    The latest day is skipped when it has no marks yet (today before its registers); any other day without marks,
    or with a mark that is not an absence, ends the run.
    """
    days = list(days)
    if days and not days[-1].marked:
        days.pop()
    run: list[DayMarks] = []
    for day in reversed(days):
        if not day.is_absent:
            break
        run.append(day)
    return Run(tuple(reversed(run)))


def justified_for(policy: str, run: Run) -> bool:
    """The `justified` that interventions.triage.follow_ups takes, as each trust's policy words it (see above)."""
    return run.explained if policy == "waterton" else run.fully_justified


def days_without_contact(run: Run, last_contact: dt.date | None) -> int:
    """School days of the run after the family was last reached (all of the run when never reached during it)."""
    if last_contact is None:
        return run.length
    return sum(d.date > last_contact for d in run.days)


def first_follow_up_day(policy: str) -> int:
    """The shortest run that calls for anything under the policy: 3 for Omega's Day 3, 2 for Waterton's visits."""
    return next(n for n in range(1, 100) if follow_ups(policy, n, justified=False, days_without_contact=0))


@dataclass(frozen=True)
class TaskSpec:
    kind: str  # an interventions.models.Task.Kind value
    key: str  # the same rule on the same run makes the task once
    due: dt.time
    title: str
    why: str


def task_spec(policy: str, follow: Follow, run: Run) -> TaskSpec:
    """The task for one follow-up of a run: its key (by the run's first day), due time, title and the rule."""
    first, n = run.first_day, run.length
    if follow is Follow.CME_REFERRAL:
        return TaskSpec(
            kind=follow.value,
            key=f"cme:{first}",
            due=CALL_DUE,
            title="Children Missing Education referral",
            why="Waterton policy: after 20 school days' absence without contact, refer to the Local Authority's "
            "CME officer.",
        )
    if policy == "waterton":
        return TaskSpec(
            kind=follow.value,
            key=f"visit-day{n}:{first}",
            due=VISIT_DUE,
            title=f"Home visit: day {n} of unexplained absence",
            why="Waterton policy: home visits on day 2 and day 4 of an unexplained absence.",
        )
    if follow is Follow.WELFARE_CALL:
        return TaskSpec(
            kind=follow.value,
            key=f"day3:{first}",
            due=CALL_DUE,
            title=f"Welfare call: absent {n} school days in a row",
            why="Day 3 of absence: check the reason and the pupil's welfare with a call to parents/carers "
            "(Omega Charter, Strand 3).",
        )
    return TaskSpec(
        kind=follow.value,
        key=f"day3:{first}",
        due=VISIT_DUE,
        title=f"Home visit: absent {n} school days in a row",
        why="Day 3 of absence and the reason is not fully justified (e.g. hospital admission): home visit "
        "(Omega Charter, Strand 3).",
    )
