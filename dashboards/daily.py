"""Reads behind the daily absence view, early warning, headroom, the coding summary and reconciliation.

Every function takes a school and (where pupils are listed) a Pupil queryset already scoped to the user, so a teacher's
page holds only their groups. Counts come from grouped queries: the summaries (PupilWeek, DayCodeCount) where whole
weeks or days will do, the marks where a page is about today or must match the `attendance` command to the session.
The rules are elsewhere: risk order in interventions.triage, the penalty window in interventions.penalty, headroom and
the projection in dashboards.headroom.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from interventions import penalty
from interventions.facts import recent_school_weeks
from interventions.triage import Risk, RiskFacts, Tier, assess
from registers import codes as C
from registers import summaries
from registers.attendance import counted_marks
from registers.models import COUNT_FIELDS, DayCodeCount, Mark, PupilWeek
from registers.reasons import overdue_through
from registers.statistics import SessionCounts, percent, total
from schools.calendar import academic_year, academic_year_label, week_of
from schools.models import Enrolment, HalfTerm, Pupil, School, SchoolDay

from . import headroom as H

YEAR_GROUP_ORDER = ("N1", "N2", "R", *(str(n) for n in range(1, 15)))
# Nursery pupils are outside the cohort of the DfE's "Monitor your school attendance" tool (reference, section 1e).
NURSERY = ("N1", "N2")


def year_group_key(year_group: str) -> tuple[int, str]:
    """Sort key putting N1, N2, R, 1 ... 14 in school order, anything else after them."""
    return (YEAR_GROUP_ORDER.index(year_group), "") if year_group in YEAR_GROUP_ORDER else (99, year_group)


def year_start(on: dt.date) -> dt.date:
    return dt.date(academic_year(on), 8, 1)


def _counts(row: dict, prefix: str = "") -> SessionCounts:
    return SessionCounts(**{f: row.get(f"{prefix}{f}") or 0 for f in COUNT_FIELDS})


def _ids(pupils: QuerySet | Iterable) -> QuerySet | list[int]:
    """A subquery of pupil ids for a queryset, else the ids of an iterable of pupils or ids."""
    if isinstance(pupils, QuerySet):
        return pupils.values("pk")
    return [p if isinstance(p, int) else p.pk for p in pupils]


def on_roll(school: School, pupils: QuerySet, day: dt.date) -> QuerySet:
    """The pupils enrolled at the school on `day`, without the duplicate rows a join on enrolments would make."""
    enrolled = Enrolment.objects.for_trust(school.trust).filter(
        Q(school=school, starts__lte=day) & (Q(ends__isnull=True) | Q(ends__gte=day))
    )
    return pupils.filter(pk__in=enrolled.values("pupil"))


def window_counts(
    school: School, pupils: QuerySet | Iterable, start: dt.date, end: dt.date
) -> dict[int, SessionCounts]:
    """Each pupil's counts at the school over [start, end], while on its roll (registers.summaries.window_counts)."""
    ids = pupils if isinstance(pupils, QuerySet) else _ids(pupils)
    return summaries.window_counts(school, start, end, ids)


def year_counts(school: School, pupils: QuerySet | Iterable, on: dt.date) -> dict[int, SessionCounts]:
    """Each pupil's counts at the school this academic year up to and including `on` (window_counts)."""
    return window_counts(school, pupils, year_start(on), on)


def sessions_left(school: School, on: dt.date) -> int:
    """School sessions still to come this academic year after `on`: two for each SchoolDay after it."""
    days = SchoolDay.objects.for_trust(school.trust).filter(school=school, academic_year=academic_year(on), date__gt=on)
    return 2 * days.count()


def _risk(pupil: Pupil, counts: SessionCounts) -> Risk:
    return assess(
        RiskFacts(
            watch_list_reason=pupil.watch_list_reason if pupil.watch_list else "",
            safeguarding=tuple(pupil.safeguarding_flags),
            counts=counts,
        )
    )


def _risk_order(pupil: Pupil, risk: Risk, counts: SessionCounts) -> tuple:
    """The triage board's order (interventions.day1): tier, then lowest attendance, then name; no sessions last."""
    rate = counts.attendance_rate if counts.possible else 2
    return (risk.tier, rate, pupil.legal_surname, pupil.legal_forename, pupil.pk)


# --- The daily absence view ----------------------------------------------------------------------------------------

ABSENT, AM, PM, BOTH, CONVERTED, NO_AM, NO_PM = "absent", "am", "pm", "both", "converted", "no_am", "no_pm"
SHOW = {
    ABSENT: "Absent at either session",
    AM: "Absent in the morning",
    PM: "Absent in the afternoon",
    BOTH: "Absent all day",
    CONVERTED: "Absent in the morning, in school in the afternoon",
    NO_AM: "No morning mark yet",
    NO_PM: "No afternoon mark yet",
}
_absent = sorted(C.ABSENT)
_attending = sorted(C.ATTENDING)
SHOW_CONDITIONS = {
    ABSENT: Q(am_code__in=_absent) | Q(pm_code__in=_absent),
    AM: Q(am_code__in=_absent),
    PM: Q(pm_code__in=_absent),
    BOTH: Q(am_code__in=_absent, pm_code__in=_absent),
    CONVERTED: Q(am_code__in=_absent, pm_code__in=_attending),
    NO_AM: Q(am_code__isnull=True),
    NO_PM: Q(pm_code__isnull=True),
}


@dataclass(frozen=True)
class YearGroupDay:
    year_group: str  # "" for the total row
    on_roll: int
    counts: dict[str, int]  # by SHOW key

    @property
    def absent_pct(self):
        """Pupils absent at either session, as a percentage of those on roll."""
        return percent(self.counts[ABSENT], self.on_roll)


@dataclass
class DayRow:
    pupil: Pupil
    am: str | None  # the code, or None with no mark yet
    pm: str | None
    counts: SessionCounts
    risk: Risk

    @property
    def shown_as(self) -> str:
        """The row's AM/PM pattern in words."""
        am_absent, pm_absent = self.am in C.ABSENT, self.pm in C.ABSENT
        if am_absent and pm_absent:
            return SHOW[BOTH]
        if am_absent and self.pm in C.ATTENDING:
            return SHOW[CONVERTED]
        if am_absent:
            return "Absent in the morning" + ("" if self.pm else ", no afternoon mark yet")
        if pm_absent:
            return SHOW[PM]
        return "No mark yet" if not (self.am and self.pm) else "Not absent"


@dataclass(frozen=True)
class DayView:
    school: School
    day: dt.date
    show: str
    year_group: str  # the year the list is narrowed to, or ""
    year_groups: list[YearGroupDay]
    totals: YearGroupDay
    rows: list[DayRow]  # in year-group order, each year in risk order

    @property
    def by_year(self) -> list[tuple[str, list[DayRow]]]:
        grouped: dict[str, list[DayRow]] = defaultdict(list)
        for row in self.rows:
            grouped[row.pupil.year_group].append(row)
        return list(grouped.items())

    @property
    def tiers(self) -> list[tuple[Tier, int]]:
        """How many listed pupils are in each risk tier, most serious first."""
        counted = defaultdict(int)
        for row in self.rows:
            counted[row.risk.tier] += 1
        return [(tier, counted[tier]) for tier in Tier if counted[tier]]


def _code_on(school: School, day: dt.date, session: str) -> Subquery:
    marks = Mark.objects.filter(pupil=OuterRef("pk"), school=school, date=day, session=session)
    return Subquery(marks.values("code")[:1])


def pupils_on_day(school: School, pupils: QuerySet, day: dt.date) -> QuerySet:
    """The pupils on the school's roll on `day`, annotated with `am_code` and `pm_code` (None before a mark)."""
    return on_roll(school, pupils, day).annotate(
        am_code=_code_on(school, day, "AM"), pm_code=_code_on(school, day, "PM")
    )


def day_view(school: School, pupils: QuerySet, day: dt.date, show: str = ABSENT, year_group: str = "") -> DayView:
    """Who is absent on `day` at the school by year group, and the pupils behind one count, in risk order.

    `pupils` is the user's scope. Counts per year group are one grouped query; the list is one query for the pupils
    and two for their year-to-date counts (the risk order needs them).
    """
    if show not in SHOW:
        raise ValueError(f"unknown list {show!r}")
    today = pupils_on_day(school, pupils, day)
    figures = {key: Count("pk", filter=condition) for key, condition in SHOW_CONDITIONS.items()}
    groups = [
        YearGroupDay(row["year_group"], row["on_roll"], {key: row[key] for key in SHOW})
        for row in today.order_by().values("year_group").annotate(on_roll=Count("pk"), **figures)
    ]
    groups.sort(key=lambda g: year_group_key(g.year_group))
    totals = YearGroupDay("", sum(g.on_roll for g in groups), {k: sum(g.counts[k] for g in groups) for k in SHOW})

    listed = today.filter(SHOW_CONDITIONS[show]).select_related("group")
    if year_group:
        listed = listed.filter(year_group=year_group)
    listed = list(listed)
    counts = year_counts(school, listed, day)
    rows = []
    for pupil in listed:
        pupil_counts = counts.get(pupil.pk, SessionCounts())
        rows.append(DayRow(pupil, pupil.am_code, pupil.pm_code, pupil_counts, _risk(pupil, pupil_counts)))
    rows.sort(key=lambda r: (year_group_key(r.pupil.year_group), _risk_order(r.pupil, r.risk, r.counts)))
    return DayView(school, day, show, year_group, groups, totals, rows)


# --- Headroom -----------------------------------------------------------------------------------------------------


def _penalty_checks(
    school: School, ids, on: dt.date
) -> tuple[dict[int, penalty.ThresholdCheck], penalty.ThresholdCheck]:
    """Each pupil's penalty-notice check on `on` (interventions.penalty.threshold), and the check of a pupil with no
    counting sessions. Reads the window's school days and only the G/N/O/U marks inside it."""
    weeks = recent_school_weeks(school, on, penalty.WINDOW_SCHOOL_WEEKS)
    if not weeks:
        return {}, penalty.threshold([], [], on)
    first = min(weeks)
    days = list(
        SchoolDay.objects.for_trust(school.trust)
        .filter(school=school, date__range=(first, on))
        .values_list("date", flat=True)
    )
    marks: dict[int, list[penalty.MarkTuple]] = defaultdict(list)
    counting = (
        Mark.objects.for_trust(school.trust)
        .at_school(school)
        .between(first, on)
        .filter(pupil__in=ids, code__in=sorted(C.PENALTY_NOTICE))
        .while_enrolled()
        .order_by()
        .values_list("pupil", "date", "session", "code")
    )
    for pupil, date, session, code in counting:
        marks[pupil].append((date, session, code))
    checks = {pupil: penalty.threshold(days, tuples, on) for pupil, tuples in marks.items()}
    return checks, penalty.threshold(days, [], on)


def headroom_for_pupils(school: School, pupils: QuerySet | Iterable, on: dt.date) -> dict[int, H.Headroom]:
    """Each pupil's headroom at the school on `on`, by pupil id: sessions to spare before PA and SA at year end, and
    before the penalty-notice threshold in the current window of 10 school weeks.

    `pupils` is a Pupil queryset (already scoped to the user) or an iterable of pupils or ids; every one of them gets
    a Headroom, zeros where nothing is counted yet. A fixed number of queries (six) whatever the number of pupils.
    """
    ids = _ids(pupils)
    of_trust = Pupil.objects.for_trust(school.trust)
    wanted = list(of_trust.filter(pk__in=ids).values_list("pk", flat=True)) if isinstance(ids, QuerySet) else ids
    counts = year_counts(school, ids, on)
    left = sessions_left(school, on)
    checks, no_marks = _penalty_checks(school, ids, on)
    # Before the school's first school week there is no window, so no penalty headroom either.
    if no_marks.first_week is None:
        return {pupil: H.headroom(counts.get(pupil, SessionCounts()), left, None) for pupil in wanted}
    return {
        pupil: H.headroom(counts.get(pupil, SessionCounts()), left, checks.get(pupil, no_marks)) for pupil in wanted
    }


@dataclass(frozen=True)
class HeadroomRow:
    pupil: Pupil
    headroom: H.Headroom


@dataclass(frozen=True)
class HeadroomList:
    school: School
    on: dt.date
    sessions_left: int
    window: tuple[dt.date, dt.date] | None  # the penalty window's first and last Monday
    rows: list[HeadroomRow]  # least headroom first


def headroom_list(school: School, pupils: QuerySet, on: dt.date) -> HeadroomList:
    """Every pupil of `pupils` on the school's roll on `on`, least headroom first."""
    listed = list(on_roll(school, pupils, on).select_related("group"))
    figures = headroom_for_pupils(school, listed, on)
    rows = [HeadroomRow(p, figures[p.pk]) for p in listed]
    rows.sort(key=lambda r: (r.headroom.sort_key, r.pupil.legal_surname, r.pupil.legal_forename, r.pupil.pk))
    first = next((r.headroom.penalty for r in rows if r.headroom.penalty is not None), None)
    window = (first.first_week, first.last_week) if first is not None else None
    left = rows[0].headroom.sessions_left if rows else sessions_left(school, on)
    return HeadroomList(school, on, left, window, rows)


def current_school(pupil: Pupil, on: dt.date) -> School | None:
    """The school the pupil is on roll at on `on` (the latest admission if more than one), else None."""
    enrolment = (
        Enrolment.objects.for_trust(pupil.trust)
        .filter(Q(pupil=pupil, starts__lte=on) & (Q(ends__isnull=True) | Q(ends__gte=on)))
        .select_related("school")
        .order_by("-starts")
        .first()
    )
    return enrolment.school if enrolment else None


# --- Early warning --------------------------------------------------------------------------------------------------

FIRST_WEEKS = 2


@dataclass(frozen=True)
class WarningRow:
    pupil: Pupil
    counts: SessionCounts  # the figures the list is about (first weeks, last year, or the latest weeks)
    year: SessionCounts  # this year so far
    projection: H.Projection | None = None


@dataclass(frozen=True)
class EarlyWarning:
    school: School
    on: dt.date
    first_weeks: list[dt.date]  # Mondays of the year's first school weeks
    recent_weeks: list[dt.date]  # Mondays of the latest school weeks before this one, oldest first
    sessions_left: int
    absent_early: list[WarningRow]
    persistent_last_year: list[WarningRow]
    on_course: list[WarningRow]
    new_to_trust: int  # pupils on roll with no figures from last year at any of the trust's schools

    @property
    def last_year_label(self) -> str:
        return academic_year_label(academic_year(self.on) - 1)


def school_weeks_of_year(school: School, on: dt.date) -> list[dt.date]:
    """The Mondays of the school's school weeks this academic year up to `on`'s week, oldest first."""
    return list(
        SchoolDay.objects.for_trust(school.trust)
        .filter(school=school, academic_year=academic_year(on), date__lte=on)
        .order_by("week")
        .values_list("week", flat=True)
        .distinct()
    )


def _weeks_by_pupil(school: School, ids, weeks: list[dt.date]) -> dict[int, SessionCounts]:
    if not weeks:
        return {}
    rows = (
        PupilWeek.objects.for_trust(school.trust)
        .filter(school=school, pupil__in=ids, week__in=weeks)
        .order_by()
        .values("pupil")
        .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
    )
    return {row["pupil"]: _counts(row) for row in rows}


def early_warning(school: School, pupils: QuerySet, on: dt.date) -> EarlyWarning:
    """The pupils on roll on `on` to watch: any absence in the year's first two school weeks, persistently absent
    last year (at any of the trust's schools), and on course to become persistently absent (dashboards.headroom).

    Grouped queries over PupilWeek, plus the year so far (year_counts); none per pupil.
    """
    current = on_roll(school, pupils, on).select_related("group")
    by_id = {p.pk: p for p in current}
    ids = list(by_id)
    year = year_counts(school, ids, on)
    weeks = school_weeks_of_year(school, on)
    # The latest weeks are whole ones: the week in progress would dilute the rate with the sessions still to come.
    first, recent = weeks[:FIRST_WEEKS], [w for w in weeks if w < week_of(on)][-H.RECENT_WEEKS :]

    early = _weeks_by_pupil(school, ids, first)
    absent_early = [WarningRow(by_id[p], c, year.get(p, SessionCounts())) for p, c in early.items() if c.absent]
    absent_early.sort(key=lambda r: (-r.counts.absent, year_group_key(r.pupil.year_group), r.pupil.legal_surname))

    last_year = (
        PupilWeek.objects.for_trust(school.trust)
        .filter(pupil__in=ids, academic_year=academic_year(on) - 1)
        .order_by()
        .values("pupil")
        .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
    )
    last = {row["pupil"]: _counts(row) for row in last_year}
    persistent = [WarningRow(by_id[p], c, year.get(p, SessionCounts())) for p, c in last.items() if c.persistent]
    persistent.sort(key=lambda r: (r.counts.attendance_rate, year_group_key(r.pupil.year_group), r.pupil.pk))

    left = sessions_left(school, on)
    latest = _weeks_by_pupil(school, ids, recent)
    course = []
    for p, c in latest.items():
        projection = H.on_course(year.get(p, SessionCounts()), c, left)
        if projection.on_course:
            course.append(WarningRow(by_id[p], c, projection.year, projection))
    course.sort(key=lambda r: (-r.projection.projected_rate, r.pupil.legal_surname, r.pupil.pk))

    return EarlyWarning(
        school=school,
        on=on,
        first_weeks=first,
        recent_weeks=recent,
        sessions_left=left,
        absent_early=absent_early,
        persistent_last_year=persistent,
        on_course=course,
        new_to_trust=len(set(ids) - set(last)),
    )


# --- The coding summary ------------------------------------------------------------------------------------------

# Codes a register check looks at day by day: no reason yet, lates, and the codes most often misused.
CHECKED_CODES = ("N", "L", "U", "B", "D")


@dataclass(frozen=True)
class CodeShare:
    code: str
    sessions: int
    share: object  # Decimal percentage of all marks

    @property
    def meaning(self) -> str:
        return C.BY_CODE[self.code].meaning if self.code in C.BY_CODE else ""

    @property
    def category(self) -> C.Category | None:
        return C.BY_CODE[self.code].category if self.code in C.BY_CODE else None


@dataclass(frozen=True)
class CodingDay:
    date: dt.date
    marks: int
    possible: int
    attended: int
    by_code: dict[str, int]  # the CHECKED_CODES

    @property
    def attendance_pct(self):
        return percent(self.attended, self.possible)

    @property
    def late_pct(self):
        """L and U sessions as a share of possible sessions."""
        return percent(self.by_code["L"] + self.by_code["U"], self.possible)


@dataclass(frozen=True)
class OpenN:
    cutoff: dt.date | None  # N marks on or before this day are past the school's limit
    overdue: int
    open: int  # every N in the window


@dataclass(frozen=True)
class CodingSummary:
    school: School
    start: dt.date
    end: dt.date
    year_group: str
    marks: int
    codes: list[CodeShare]  # most used first
    days: list[CodingDay]  # newest first
    open_n: OpenN

    def share_of(self, *codes: str):
        return percent(sum(c.sessions for c in self.codes if c.code in codes), self.marks)

    def sessions_of(self, *codes: str) -> int:
        return sum(c.sessions for c in self.codes if c.code in codes)


def _day_codes(school: School, start: dt.date, end: dt.date, year_group: str) -> QuerySet:
    rows = DayCodeCount.objects.for_trust(school.trust).filter(school=school, date__range=(start, end))
    return rows.filter(year_group=year_group) if year_group else rows


def coding_summary(school: School, start: dt.date, end: dt.date, year_group: str, today: dt.date) -> CodingSummary:
    """Marks by code and by day over [start, end] from DayCodeCount (counted while on roll), and the N marks still
    open: three grouped queries, and one for the school days behind the school's limit for a reason."""
    rows = _day_codes(school, start, end, year_group)
    by_code = list(rows.order_by().values("code").annotate(n=Sum("sessions")).order_by("-n", "code"))
    marks = sum(r["n"] for r in by_code)
    codes = [CodeShare(r["code"], r["n"], percent(r["n"], marks)) for r in by_code]

    def sessions_of(codes: Iterable[str]) -> Coalesce:
        return Coalesce(Sum("sessions", filter=Q(code__in=sorted(codes))), Value(0), output_field=IntegerField())

    per_day = (
        rows.order_by()
        .values("date")
        .annotate(
            marks=Sum("sessions"),
            possible=sessions_of(C.POSSIBLE),
            attended=sessions_of(C.ATTENDING),
            **{f"code_{code}": sessions_of({code}) for code in CHECKED_CODES},
        )
        .order_by("-date")
    )
    days = [
        CodingDay(r["date"], r["marks"], r["possible"], r["attended"], {c: r[f"code_{c}"] for c in CHECKED_CODES})
        for r in per_day
    ]
    return CodingSummary(
        school, start, end, year_group, marks, codes, days, open_n(school, start, end, year_group, today)
    )


def open_n(school: School, start: dt.date, end: dt.date, year_group: str, today: dt.date) -> OpenN:
    """N marks in the window, and those past the school's limit for a reason on `today` (registers.reasons): they
    should have had a reason or become O."""
    days = SchoolDay.objects.for_trust(school.trust).filter(school=school, date__lte=today)
    cutoff = overdue_through(today, days.values_list("date", flat=True), school.reason_deadline_days)
    n_marks = _day_codes(school, start, end, year_group).filter(code="N")
    overdue = Sum("sessions", filter=Q(date__lte=cutoff)) if cutoff else Sum(Value(0))
    figures = n_marks.aggregate(open=Coalesce(Sum("sessions"), 0), overdue=Coalesce(overdue, 0))
    return OpenN(cutoff, figures["overdue"], figures["open"])


@dataclass(frozen=True)
class CodedMark:
    pupil: Pupil
    date: dt.date
    session: str
    code: str
    note: str


@dataclass(frozen=True)
class CodedPupil:
    pupil: Pupil
    sessions: int
    first: dt.date
    last: dt.date


def coded_marks(school: School, pupils: QuerySet, day: dt.date, code: str) -> list[CodedMark]:
    """The marks with `code` on `day` at the school, counted while on roll (as DayCodeCount counts them)."""
    marks = (
        counted_marks(school, day, day)
        .filter(pupil__in=pupils.values("pk"), code=code)
        .select_related("pupil__group")
        .order_by("pupil__year_group", "pupil__legal_surname", "pupil__legal_forename", "session")
    )
    return [CodedMark(m.pupil, m.date, m.session, m.code, m.note) for m in marks]


def coded_pupils(school: School, pupils: QuerySet, start: dt.date, end: dt.date, code: str) -> list[CodedPupil]:
    """Each pupil with `code` in [start, end]: how many sessions, first and last day; most sessions first."""
    rows = (
        counted_marks(school, start, end)
        .filter(pupil__in=pupils.values("pk"), code=code)
        .order_by()
        .values("pupil")
        .annotate(n=Count("pk"), first=Min("date"), last=Max("date"))
    )
    figures = {r["pupil"]: r for r in rows}
    found = Pupil.objects.for_trust(school.trust).filter(pk__in=list(figures)).select_related("group")
    listed = [CodedPupil(p, figures[p.pk]["n"], figures[p.pk]["first"], figures[p.pk]["last"]) for p in found]
    return sorted(listed, key=lambda r: (-r.sessions, r.pupil.legal_surname, r.pupil.legal_forename, r.pupil.pk))


# --- Reconciliation -------------------------------------------------------------------------------------------------

YEAR, TERM, HALF_TERM, CUSTOM, NAIVE = "year", "term", "half_term", "custom", "naive"


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    start: dt.date
    end: dt.date
    population: str  # who is counted, in words


def terms_of(half_terms: list[tuple[str, dt.date, dt.date]]) -> list[tuple[str, dt.date, dt.date]]:
    """The year's terms from its half-terms, oldest first: consecutive pairs (Autumn 1 and 2, Spring 1 and 2, ...).

    A term is named by its half-terms' shared first word ("Autumn term"), else numbered. A lone last half-term is a
    term of its own.
    """
    ordered = sorted(half_terms, key=lambda h: h[1])
    terms = []
    for n in range(0, len(ordered), 2):
        pair = ordered[n : n + 2]
        words = {name.split()[0] if name.split() else "" for name, _, _ in pair}
        label = f"{words.pop()} term" if len(words) == 1 and "" not in words else f"Term {n // 2 + 1}"
        terms.append((label, pair[0][1], pair[-1][2]))
    return terms


def latest_started(spans: list[tuple[str, dt.date, dt.date]], on: dt.date) -> tuple[str, dt.date, dt.date] | None:
    """The span containing `on`, or the latest one that ended before it (in a holiday); None before the first."""
    started = [s for s in spans if s[1] <= on]
    return max(started, key=lambda s: s[1]) if started else None


def windows_for(school: School, on: dt.date, custom: tuple[dt.date, dt.date] | None) -> list[Window]:
    """The year to date, this term and this half-term to date (where the calendar has them), and a custom window."""
    everyone = "everyone on roll in the window, from admission, leavers up to their leaving date"
    windows = [Window(YEAR, "Year to date (the DfE's window)", year_start(on), on, everyone)]
    half_terms = [
        (h.name, h.starts, h.ends)
        for h in HalfTerm.objects.for_trust(school.trust).filter(
            school=school, starts__gte=year_start(on), starts__lte=on
        )
    ]
    if term := latest_started(terms_of(half_terms), on):
        windows.append(Window(TERM, f"{term[0]} to date", term[1], min(term[2], on), everyone))
    if half := latest_started(half_terms, on):
        windows.append(Window(HALF_TERM, f"{half[0]} to date", half[1], min(half[2], on), everyone))
    if custom:
        windows.append(Window(CUSTOM, "Chosen window", custom[0], custom[1], everyone))
    windows.append(
        Window(
            NAIVE,
            "Naive count",
            year_start(on),
            on,
            "pupils on roll today only, every mark at the school this year, enrolment dates ignored",
        )
    )
    return windows


@dataclass(frozen=True)
class Figures:
    window: Window
    by_pupil: dict[int, SessionCounts]
    explanation: str = ""

    @property
    def totals(self) -> SessionCounts:
        return total(self.by_pupil.values())

    @property
    def counted(self) -> set[int]:
        """Pupils with at least one possible session: the denominator of the PA and SA rates."""
        return {p for p, c in self.by_pupil.items() if c.possible}

    @property
    def persistent(self) -> set[int]:
        return {p for p, c in self.by_pupil.items() if c.persistent}

    @property
    def severe(self) -> set[int]:
        return {p for p, c in self.by_pupil.items() if c.severe}

    @property
    def persistent_pct(self):
        return percent(len(self.persistent), len(self.counted))

    @property
    def severe_pct(self):
        return percent(len(self.severe), len(self.counted))

    @property
    def absence_pct(self):
        return percent(self.totals.absent, self.totals.possible)


@dataclass(frozen=True)
class Reconciliation:
    school: School
    on: dt.date
    rows: list[Figures]  # the DfE's year to date first
    roll: set[int]  # pupils on roll on `on`
    nursery: int  # nursery pupils counted year to date, outside the DfE tool's cohort

    @property
    def leavers(self) -> set[int]:
        """Pupils counted in the year to date who are no longer on roll."""
        return set(self.rows[0].by_pupil) - self.roll

    def figures(self, key: str) -> Figures | None:
        return next((f for f in self.rows if f.window.key == key), None)


def _by_pupil(marks: QuerySet) -> dict[int, SessionCounts]:
    return {row["pupil"]: _counts(row) for row in marks.counts_by_pupil()}


def _window_line(figures: Figures, year: Figures) -> str:
    """Why a shorter window's figures differ from the year to date."""
    w, t, y = figures.window, figures.totals, year.totals
    if figures.by_pupil == year.by_pupil:
        return f"The same sessions as the year to date (none before {w.start:%-d %B %Y}), so the same figures."
    gained = len(figures.persistent - year.persistent)
    lost = len(year.persistent - figures.persistent)
    pupils = "1 pupil is" if gained == 1 else f"{gained} pupils are"
    return (
        f"Counts {t.possible} of the year's {y.possible} possible sessions, from {w.start:%-d %B %Y}; persistent "
        f"absence is judged on each pupil's sessions in this window alone, so {pupils} persistently absent here but "
        f"not over the year, and {lost} the other way."
    )


def _naive_line(naive: Figures, year: Figures, roll: set[int]) -> str:
    """Why the naive count differs from the DfE's year to date: leavers left out, marks outside enrolments counted."""
    leavers = set(year.by_pupil) - roll
    leaver_sessions = sum(year.by_pupil[p].possible for p in leavers)
    leaver_pa = len(leavers & year.persistent)
    outside = naive.totals.possible - (year.totals.possible - leaver_sessions)
    return (
        f"Leaves out {len(leavers)} pupil{'s' if len(leavers) != 1 else ''} no longer on roll ({leaver_sessions} "
        f"possible sessions; {leaver_pa} of them persistently absent) and counts {outside} possible "
        f"session{'s' if outside != 1 else ''} recorded outside the pupils' enrolment dates."
    )


def reconciliation(
    school: School, pupils: QuerySet, on: dt.date, custom: tuple[dt.date, dt.date] | None = None
) -> Reconciliation:
    """The school's figures in each window beside the DfE's year to date, each with a line saying why it differs.

    Every window but the naive one is counted as the `attendance` command counts it (registers.attendance): marks while
    each pupil was on roll, whole weeks read from the summaries (window_counts). The naive count reads the year's marks.
    `pupils` narrows the population (the user's filters). A fixed number of grouped queries.
    """
    ids = pupils.values("pk")
    roll = set(on_roll(school, pupils, on).values_list("pk", flat=True))
    rows: list[Figures] = []
    year: Figures | None = None
    for window in windows_for(school, on, custom):
        if window.key == NAIVE:
            marks = Mark.objects.for_trust(school.trust).at_school(school).between(window.start, window.end)
            figures = Figures(window, _by_pupil(marks.filter(pupil__in=roll)))
            figures = Figures(window, figures.by_pupil, _naive_line(figures, year, roll))
        else:
            figures = Figures(window, window_counts(school, ids, window.start, window.end))
            if window.key == YEAR:
                year = Figures(
                    window,
                    figures.by_pupil,
                    "The DfE's window: each pupil from their admission date, leavers up to their leaving date.",
                )
                figures = year
            else:
                figures = Figures(window, figures.by_pupil, _window_line(figures, year))
        rows.append(figures)
    nursery = 0
    if year.counted:
        counted = Pupil.objects.for_trust(school.trust).filter(pk__in=list(year.counted))
        nursery = counted.filter(year_group__in=NURSERY).count()
    return Reconciliation(school, on, rows, roll, nursery)


def pupils_by_id(school: School, ids: Iterable[int]) -> dict[int, Pupil]:
    pupils = Pupil.objects.for_trust(school.trust).filter(pk__in=list(ids)).select_related("group")
    return {p.pk: p for p in pupils}
