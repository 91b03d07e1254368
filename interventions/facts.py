"""The figures the graduated-response engine (interventions.thresholds) needs about every pupil on a school's roll on
one day, read from the database in a fixed number of grouped queries however many pupils there are.

- Counts are over the school's marks while the pupil was on its roll (MarkQuerySet.while_enrolled), up to and
  including the day; marks dated later are not counted.
- The year is the academic year to date (registers.attendance.year_to_date). The week is the latest school week up
  to the day, from its Monday. A rolling window of N school weeks starts on the Monday of the N-th latest distinct
  SchoolDay.week up to the day, so holiday weeks are skipped and a window can reach back into the previous year;
  with fewer school weeks in the calendar the window starts at the first one.
- U sessions in the half-term are those of the half-term containing the day (none in a holiday).
- Illness days are I sessions this year and leave days G sessions this year, two sessions to a school day.
- Consecutive days absent and days without contact are the run of absence defined in interventions.absence, as the
  long-absence page counts it (interventions.day3).
- The stage on the ladder and the rules that held last time are not stored yet: every pupil starts at stage 0 with
  nothing active.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q

from registers import codes as C
from registers.attendance import year_to_date
from registers.models import COUNT_FIELDS, Mark, count_annotations
from registers.statistics import SessionCounts
from schools.calendar import week_of
from schools.models import HalfTerm, Pupil, School, SchoolDay, Trust

from . import absence, day3
from .thresholds import PRESETS, Cadence, Kind, Policy, PupilFacts, windows_needed

ILLNESS = "I"  # illness (not a medical or dental appointment): the section 19 count
LEAVE = "G"  # holiday not granted by the school


def policy_for(trust: Trust) -> Policy:
    """The preset policy the trust follows (Trust.policy); ValueError for a policy with no preset."""
    try:
        return PRESETS[trust.policy]()
    except KeyError:
        raise ValueError(f"{trust} follows {trust.policy!r}, which has no policy preset") from None


def recent_school_weeks(school: School, on: dt.date, n: int) -> list[dt.date]:
    """The Mondays of the school's latest `n` school weeks up to `on` (its own week included), newest first."""
    return list(
        SchoolDay.objects.for_trust(school.trust)
        .filter(school=school, date__lte=on)
        .order_by("-week")
        .values_list("week", flat=True)
        .distinct()[:n]
    )


def half_term_of(school: School, on: dt.date) -> HalfTerm | None:
    """The school's half-term containing `on`, or None in a holiday."""
    return HalfTerm.objects.for_trust(school.trust).filter(school=school, starts__lte=on, ends__gte=on).first()


def due_on(school: School, on: dt.date) -> frozenset[Cadence]:
    """The cadences the run on `on` evaluates: DAILY always; WEEKLY on the last school day of a school week and
    HALF_TERMLY on the last school day of a half-term. A day that is not a school day gets DAILY only."""
    days = list(
        SchoolDay.objects.for_trust(school.trust)
        .filter(school=school, date__gte=on)
        .order_by("date")
        .values_list("date", flat=True)[:2]
    )
    if not days or days[0] != on:
        return frozenset({Cadence.DAILY})
    following = days[1] if len(days) > 1 else None
    due = {Cadence.DAILY}
    if following is None or week_of(following) != week_of(on):
        due.add(Cadence.WEEKLY)
    half_term = half_term_of(school, on)
    if half_term is not None and (following is None or following > half_term.ends):
        due.add(Cadence.HALF_TERMLY)
    return frozenset(due)


def _counts(prefix: str, within: Q) -> dict[str, Count]:
    """The six statistics of registers.models, each limited to `within`, named `<prefix><statistic>`."""
    return {f"{prefix}{name}": Count("pk", filter=within & agg.filter) for name, agg in count_annotations().items()}


def _runs(school: School, on: dt.date) -> tuple[dict[int, absence.Run], dict[int, dt.date]]:
    """Each absent pupil's current run of absent school days, and the last day each of their families was reached."""
    days = day3.recent_school_days(school, on)
    if not days:
        return {}, {}
    runs = {pupil: absence.absence_run(marks) for pupil, marks in day3.pupil_days(school, days).items()}
    runs = {pupil: run for pupil, run in runs.items() if run.length}
    return runs, (day3.last_contact(school, list(runs), on) if runs else {})


def facts_for_school(school: School, on: dt.date, policy: Policy | None = None) -> dict[int, PupilFacts]:
    """PupilFacts for every pupil on the school's roll on `on`, by pupil id (zeros for a pupil with no marks).

    `policy` (by default the trust's, policy_for) says which rolling windows to count. Eight queries at most,
    whatever the number of pupils.
    """
    trust = school.trust
    policy = policy or policy_for(trust)
    on_roll = Pupil.objects.for_trust(trust).on_roll(school, on)
    pupil_ids = list(on_roll.values_list("pk", flat=True))
    if not pupil_ids:
        return {}

    windows = windows_needed(policy)
    sizes = {n for ns in windows.values() for n in ns}
    weeks = recent_school_weeks(school, on, max(sizes | {1}))
    half_term = half_term_of(school, on)
    year_start, _ = year_to_date(on)

    def window_start(n: int) -> dt.date:
        return weeks[min(n, len(weeks)) - 1]

    starts = [year_start]
    annotations = _counts("year_", Q(date__gte=year_start))
    annotations["illness"] = Count("pk", filter=Q(date__gte=year_start, code=ILLNESS))
    annotations["leave"] = Count("pk", filter=Q(date__gte=year_start, code=LEAVE))
    if weeks:
        starts += [weeks[0], *(window_start(n) for n in sizes)]
        annotations |= _counts("week_", Q(date__gte=weeks[0]))
        for n in windows.get(Kind.UNAUTHORISED_IN_WEEKS, ()):
            annotations[f"unauthorised_{n}"] = Count(
                "pk", filter=Q(date__gte=window_start(n), code__in=sorted(C.PENALTY_NOTICE))
            )
        for n in windows.get(Kind.PERSISTENT_LATENESS, ()):
            annotations[f"u_{n}"] = Count("pk", filter=Q(date__gte=window_start(n), code="U"))
    if half_term is not None:
        starts.append(half_term.starts)
        annotations["u_half_term"] = Count("pk", filter=Q(date__gte=half_term.starts, code="U"))

    rows = (
        Mark.objects.for_trust(trust)
        .at_school(school)
        .between(min(starts), on)
        .filter(pupil__in=on_roll.values("pk"))
        .while_enrolled()
        .order_by()
        .values("pupil")
        .annotate(**annotations)
    )
    figures = {row["pupil"]: row for row in rows}
    runs, last_contact = _runs(school, on)

    facts = {}
    for pupil in pupil_ids:
        row = figures.get(pupil, {})
        run = runs.get(pupil, absence.Run(()))
        facts[pupil] = PupilFacts(
            year=SessionCounts(**{f: row.get(f"year_{f}", 0) for f in COUNT_FIELDS}),
            week=SessionCounts(**{f: row.get(f"week_{f}", 0) for f in COUNT_FIELDS}),
            unauthorised_in_weeks={
                n: row.get(f"unauthorised_{n}", 0) for n in windows.get(Kind.UNAUTHORISED_IN_WEEKS, ())
            },
            u_in_weeks={n: row.get(f"u_{n}", 0) for n in windows.get(Kind.PERSISTENT_LATENESS, ())},
            u_this_half_term=row.get("u_half_term", 0),
            illness_days=Decimal(row.get("illness", 0)) / 2,
            leave_days=Decimal(row.get("leave", 0)) / 2,
            consecutive_days_absent=run.length,
            days_without_contact=absence.days_without_contact(run, last_contact.get(pupil)) if run.length else 0,
        )
    return facts
