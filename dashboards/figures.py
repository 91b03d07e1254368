"""The school, year-group and tutor-group dashboards' figures, read from the summary tables.

PupilWeek (one row per pupil, school and week) gives attendance, absence, PA and SA: each pupil's weeks are summed
in SQL, then PA and SA are counted over those sums with the DfE's whole-number comparisons (absent * 10 >= possible,
absent * 2 >= possible), never after rounding and never by looping over marks. DayCodeCount (sessions per school,
day, year group, session and code) gives reasons for absence and day and weekday trends. Both are kept equal to the
marks by registers.summaries, so these figures equal `manage.py attendance` over the same whole weeks.

A window is whole school weeks: the weeks whose Monday falls from the week of `start` to `end`, in `end`'s academic
year. "The same point last year" is the window 52 weeks (364 days) earlier, so each week is compared with the same
calendar week, and the same weekday, of last year.

Pure rules (RAG colours, at-risk weeks and days, lining weeks up with last year) sit at the top and need no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import ExtractIsoWeekDay, TruncWeek

from registers import codes as C
from registers.models import COUNT_FIELDS, DayCodeCount, Mark, PupilWeek
from registers.statistics import SessionCounts, percent
from schools.calendar import academic_year, academic_year_label, week_of
from schools.models import Pupil, RegistrationGroup, School

from .filters import CHARACTERISTICS

LAST_YEAR = dt.timedelta(days=364)
# Week on week, a change of no more than this many percentage points is "flat" (amber).
FLAT_WITHIN = Decimal("0.5")
# How many of the lowest-attendance weeks and days are flagged "at risk" (Omega Charter, "Use of analytics").
AT_RISK_WEEKS, AT_RISK_DAYS = 3, 5
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
# The groups the school dashboard breaks down by, in order (keys of dashboards.filters.CHARACTERISTICS).
KEY_GROUPS = (
    "fsm",
    "not_fsm",
    "pp",
    "not_pp",
    "sen_k",
    "sen_e",
    "no_sen",
    "eal",
    "not_eal",
    "gender_f",
    "gender_m",
    "lac",
)


# --- Pure rules -------------------------------------------------------------------------------------------------


GREEN, AMBER, RED = "green", "amber", "red"
RAG_LABELS = {GREEN: "Improved", AMBER: "No real change", RED: "Declined"}


def rag(current: Decimal | None, previous: Decimal | None) -> str:
    """GREEN when attendance rose by more than FLAT_WITHIN points, RED when it fell by more, AMBER within; "" when
    either week has no figure."""
    if current is None or previous is None:
        return ""
    change = current - previous
    if change > FLAT_WITHIN:
        return GREEN
    if change < -FLAT_WITHIN:
        return RED
    return AMBER


def lowest(items: Sequence, key, count: int) -> set:
    """The `count` items with the lowest key (ties broken by order), ignoring items whose key is None."""
    ranked = sorted((i for i in items if key(i) is not None), key=key)
    return set(map(id, ranked[:count]))


def same_week_last_year(monday: dt.date) -> dt.date:
    return monday - LAST_YEAR


# --- Windows -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days from `start` to `end`, inclusive. Whole weeks inside it are read from PupilWeek; the days of a week
    cut by either end (today's week, say) from the school's marks, so any window counts exactly what the
    `attendance` command counts."""

    start: dt.date
    end: dt.date

    @property
    def first_week(self) -> dt.date:
        return week_of(self.start)

    @property
    def year(self) -> int:
        return academic_year(self.end)

    @property
    def year_label(self) -> str:
        return academic_year_label(self.year)

    def last_year(self) -> Window:
        return Window(self.start - LAST_YEAR, self.end - LAST_YEAR)

    @property
    def label(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"

    def split(self) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.date, dt.date]]]:
        """(first and last Monday of the whole weeks inside the window, or None; the date ranges left over)."""
        first = self.start if self.start.weekday() == 0 else week_of(self.start) + dt.timedelta(days=7)
        last = week_of(self.end) if self.end.weekday() == 6 else week_of(self.end) - dt.timedelta(days=7)
        if first > last:
            return None, [(self.start, self.end)]
        parts = []
        if self.start < first:
            parts.append((self.start, first - dt.timedelta(days=1)))
        if last + dt.timedelta(days=6) < self.end:
            parts.append((last + dt.timedelta(days=7), self.end))
        return (first, last), parts


# --- Counts per pupil, and groups of pupils ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupFigures:
    """A group's figures over a window: summed sessions, and how many pupils are PA, SA and at risk (90-92%)."""

    key: str
    label: str
    pupils: int = 0  # pupils with at least one possible session in the window
    counts: SessionCounts = field(default_factory=SessionCounts)
    persistent: int = 0
    severe: int = 0
    at_risk: int = 0

    def __add__(self, other: GroupFigures) -> GroupFigures:
        return GroupFigures(
            self.key,
            self.label,
            self.pupils + other.pupils,
            self.counts + other.counts,
            self.persistent + other.persistent,
            self.severe + other.severe,
            self.at_risk + other.at_risk,
        )

    @property
    def absence_pct(self) -> Decimal | None:
        return percent(self.counts.absent, self.counts.possible)

    @property
    def authorised_pct(self) -> Decimal | None:
        return percent(self.counts.authorised, self.counts.possible)

    @property
    def unauthorised_pct(self) -> Decimal | None:
        return percent(self.counts.unauthorised, self.counts.possible)

    @property
    def persistent_pct(self) -> Decimal | None:
        return percent(self.persistent, self.pupils)

    @property
    def severe_pct(self) -> Decimal | None:
        return percent(self.severe, self.pupils)

    @property
    def at_risk_pct(self) -> Decimal | None:
        return percent(self.at_risk, self.pupils)


@dataclass(frozen=True)
class Breakdown:
    """A school's (or a year group's, or a tutor group's) figures: all pupils, each key group, each year group."""

    window: Window
    all: GroupFigures
    groups: dict[str, GroupFigures]  # by characteristic key, in KEY_GROUPS order (and "sen" for any SEN)
    years: list[GroupFigures]  # by year group, in school order


def _sql(queryset: QuerySet) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _per_pupil_sql(school: School, window: Window, pupils: QuerySet | None) -> tuple[str, list]:
    """SQL for one row per pupil (pupil_id and the six counts) over the window: the whole weeks' PupilWeek rows and
    the leftover days' marks (while on roll), added together. Scoped to the school's trust and school."""
    weeks, days = window.split()
    parts, params = [], []
    if weeks is not None:
        rows = PupilWeek.objects.for_trust(school.trust).filter(school=school, week__range=weeks)
        if pupils is not None:
            rows = rows.filter(pupil__in=pupils.values("pk"))
        sql, part_params = _sql(rows.order_by().values_list("pupil", *COUNT_FIELDS))
        parts.append(sql)
        params += part_params
    for first, last in days:
        marks = Mark.objects.for_trust(school.trust).at_school(school).between(first, last).while_enrolled()
        if pupils is not None:
            marks = marks.filter(pupil__in=pupils.values("pk"))
        sql, part_params = _sql(marks.counts_by_pupil().values_list("pupil", *COUNT_FIELDS))
        parts.append(sql)
        params += part_params
    union = " UNION ALL ".join(f"({part})" for part in parts)
    sums = ", ".join(f"SUM(parts.{name}) AS {name}" for name in COUNT_FIELDS)
    columns = ", ".join(("pupil_id", *COUNT_FIELDS))
    return f"SELECT parts.pupil_id, {sums} FROM ({union}) AS parts ({columns}) GROUP BY parts.pupil_id", params


# Each pupil's weeks summed first; then one row for all pupils and one per value of each characteristic.
BREAKDOWN_SQL = """
    WITH per_pupil AS ({per_pupil})
    SELECT GROUPING(p.fsm) AS g_fsm, GROUPING(p.pupil_premium) AS g_pp, GROUPING(p.sen) AS g_sen,
           GROUPING(p.eal) AS g_eal, GROUPING(p.gender) AS g_gender, GROUPING(p.looked_after) AS g_lac,
           GROUPING(p.year_group) AS g_year,
           p.fsm, p.pupil_premium, p.sen, p.eal, p.gender, p.looked_after, p.year_group,
           COUNT(*) FILTER (WHERE pp.possible > 0) AS pupils,
           SUM(pp.possible), SUM(pp.present), SUM(pp.approved_activity), SUM(pp.authorised), SUM(pp.unauthorised),
           SUM(pp.late),
           COUNT(*) FILTER (WHERE pp.possible > 0 AND (pp.authorised + pp.unauthorised) * 10 >= pp.possible),
           COUNT(*) FILTER (WHERE pp.possible > 0 AND (pp.authorised + pp.unauthorised) * 2 >= pp.possible),
           COUNT(*) FILTER (WHERE pp.possible > 0 AND (pp.authorised + pp.unauthorised) * 10 < pp.possible
                                                  AND (pp.authorised + pp.unauthorised) * 25 >= pp.possible * 2)
    FROM per_pupil pp JOIN {pupil} p ON p.id = pp.pupil_id AND p.trust_id = %s
    GROUP BY GROUPING SETS ((), (p.fsm), (p.pupil_premium), (p.sen), (p.eal), (p.gender), (p.looked_after),
                            (p.year_group))
"""

# (GROUPING column, Pupil column value) -> characteristic key.
_GROUP_KEYS = {
    ("g_fsm", True): "fsm",
    ("g_fsm", False): "not_fsm",
    ("g_pp", True): "pp",
    ("g_pp", False): "not_pp",
    ("g_sen", Pupil.SEN.SUPPORT): "sen_k",
    ("g_sen", Pupil.SEN.EHCP): "sen_e",
    ("g_sen", Pupil.SEN.NONE): "no_sen",
    ("g_eal", True): "eal",
    ("g_eal", False): "not_eal",
    ("g_gender", Pupil.Gender.FEMALE): "gender_f",
    ("g_gender", Pupil.Gender.MALE): "gender_m",
    ("g_gender", Pupil.Gender.OTHER): "gender_x",
    ("g_lac", True): "lac",
}
_GROUPING_COLUMNS = ("g_fsm", "g_pp", "g_sen", "g_eal", "g_gender", "g_lac", "g_year")
_VALUE_COLUMNS = ("fsm", "pupil_premium", "sen", "eal", "gender", "looked_after", "year_group")


def breakdown(school: School, window: Window, pupils: QuerySet | None = None) -> Breakdown:
    """All pupils, each key group and each year group over the window, in one query; `pupils` narrows the pupils
    (a year group, a tutor group). Groups with no pupils have zero figures."""
    per_pupil, params = _per_pupil_sql(school, window, pupils)
    sql = BREAKDOWN_SQL.format(per_pupil=per_pupil, pupil=Pupil._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, school.trust_id])
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns[:14], row[:14], strict=True)) | {"figures": row[14:]} for row in cursor.fetchall()]
    everyone = GroupFigures("all", "All pupils")
    groups: dict[str, GroupFigures] = {}
    years: dict[str, GroupFigures] = {}
    for row in rows:
        grouped = [g for g in _GROUPING_COLUMNS if row[g] == 0]
        if not grouped:
            everyone = _figures("all", "All pupils", row["figures"])
        elif grouped == ["g_year"]:
            year = row["year_group"] or ""
            years[year] = _figures(f"year:{year}", f"Year {year}" if year else "No year group", row["figures"])
        else:
            value = row[_VALUE_COLUMNS[_GROUPING_COLUMNS.index(grouped[0])]]
            if key := _GROUP_KEYS.get((grouped[0], value)):
                groups[key] = _figures(key, CHARACTERISTICS[key].label, row["figures"])
    ordered = {key: groups.get(key, GroupFigures(key, CHARACTERISTICS[key].label)) for key in KEY_GROUPS}
    ordered["sen"] = GroupFigures("sen", CHARACTERISTICS["sen"].label) + ordered["sen_k"] + ordered["sen_e"]
    return Breakdown(
        window=window, all=everyone, groups=ordered, years=[years[y] for y in sorted(years, key=year_order)]
    )


def _figures(key: str, label: str, values: Sequence) -> GroupFigures:
    pupils, *sums, persistent, severe, at_risk = (int(v or 0) for v in values)
    return GroupFigures(key, label, pupils, SessionCounts(*sums), persistent, severe, at_risk)


def year_order(year_group: str) -> tuple[int, str]:
    """Nursery, reception, then years 1 to 14, then anything else."""
    order = {"N1": -3, "N2": -2, "R": -1}
    if year_group in order:
        return order[year_group], year_group
    return (int(year_group), "") if year_group.isdigit() else (99, year_group)


# --- Pupil lists behind every number ---------------------------------------------------------------------------

ALL, PERSISTENT, SEVERE, AT_RISK = "all", "pa", "sa", "at_risk"
ABSENT, UNAUTHORISED, AUTHORISED, LATE, FULL = "absent", "unauthorised", "authorised", "late", "full"
# Each measure as SQL over a pupil's summed counts, in whole numbers as registers.statistics compares them.
_ABSENT = "(pp.authorised + pp.unauthorised)"
MEASURES = {
    ALL: ("Every pupil with possible sessions", "TRUE"),
    PERSISTENT: ("Persistent absence (missed 10% or more)", f"{_ABSENT} * 10 >= pp.possible"),
    SEVERE: ("Severe absence (missed 50% or more)", f"{_ABSENT} * 2 >= pp.possible"),
    AT_RISK: (
        "At risk of persistent absence (attendance above 90% and up to 92%)",
        f"{_ABSENT} * 10 < pp.possible AND {_ABSENT} * 25 >= pp.possible * 2",
    ),
    ABSENT: ("Any absence", f"{_ABSENT} > 0"),
    AUTHORISED: ("Any authorised absence", "pp.authorised > 0"),
    UNAUTHORISED: ("Any unauthorised absence", "pp.unauthorised > 0"),
    LATE: ("Any late mark (L or U)", "pp.late > 0"),
    FULL: ("Full attendance", f"{_ABSENT} = 0"),
}


@dataclass(frozen=True)
class PupilLine:
    pupil_id: int
    upn: str
    name: str
    surname: str
    year_group: str
    group: str
    counts: SessionCounts

    @property
    def level(self) -> str:
        """ "sa", "pa", "at_risk" or "" for the list's colour code."""
        if self.counts.severe:
            return SEVERE
        if self.counts.persistent:
            return PERSISTENT
        if self.counts.possible and self.counts.absent * 25 >= self.counts.possible * 2:
            return AT_RISK
        return ""


PUPIL_LINES_SQL = """
    WITH per_pupil AS ({per_pupil})
    SELECT pp.pupil_id, pp.possible, pp.present, pp.approved_activity, pp.authorised, pp.unauthorised, pp.late,
           p.upn, p.legal_forename, p.legal_surname, p.preferred_forename, p.preferred_surname, p.year_group, g.name
    FROM per_pupil pp
    JOIN {pupil} p ON p.id = pp.pupil_id AND p.trust_id = %s
    LEFT JOIN {group} g ON g.id = p.group_id
    WHERE pp.possible > 0 AND ({condition})
    ORDER BY (pp.present + pp.approved_activity)::float / pp.possible, p.legal_surname, p.legal_forename, p.id
"""


def pupil_lines(school: School, window: Window, pupils: QuerySet, measure: str = ALL) -> list[PupilLine]:
    """Each of `pupils` with possible sessions at the school in the window who meets `measure`, worst attendance
    first, with their counts: one query, the measure applied in SQL to each pupil's summed counts."""
    per_pupil, params = _per_pupil_sql(school, window, pupils)
    sql = PUPIL_LINES_SQL.format(
        per_pupil=per_pupil,
        pupil=Pupil._meta.db_table,
        group=RegistrationGroup._meta.db_table,
        condition=MEASURES[measure][1],
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, school.trust_id])
        rows = cursor.fetchall()
    return [
        PupilLine(
            pupil_id=row[0],
            upn=row[7],
            name=f"{row[10] or row[8]} {row[11] or row[9]}",
            surname=row[11] or row[9],
            year_group=row[12],
            group=row[13] or "",
            counts=SessionCounts(*(int(v) for v in row[1:7])),
        )
        for row in rows
    ]


# Summed counts are named `<count>_total`: PupilWeek's own fields already have the plain names.
TOTALS = {name: f"{name}_total" for name in COUNT_FIELDS}


def _sums() -> dict:
    return {total: Sum(name) for name, total in TOTALS.items()}


def _counts(row: dict) -> SessionCounts:
    return SessionCounts(**{name: int(row[total] or 0) for name, total in TOTALS.items()})


# --- Weeks against last year -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekFigures:
    week: dt.date  # this year's Monday
    counts: SessionCounts
    last_year: SessionCounts | None  # the same calendar week last year; None when the school was closed
    rag: str = ""
    at_risk: bool = False

    @property
    def attendance_pct(self) -> Decimal | None:
        return self.counts.attendance_pct

    @property
    def absence_pct(self) -> Decimal | None:
        return percent(self.counts.absent, self.counts.possible)

    @property
    def last_year_attendance_pct(self) -> Decimal | None:
        return self.last_year.attendance_pct if self.last_year else None

    @property
    def last_year_absence_pct(self) -> Decimal | None:
        return percent(self.last_year.absent, self.last_year.possible) if self.last_year else None

    @property
    def last_year_week(self) -> dt.date:
        return same_week_last_year(self.week)


def line_up_weeks(
    this_year: dict[dt.date, SessionCounts], last_year: dict[dt.date, SessionCounts], up_to: dt.date
) -> list[WeekFigures]:
    """This year's school weeks up to `up_to`, each beside the same calendar week last year, RAG-coloured against
    the week before and with the lowest-attendance weeks flagged. Pure: the caller loads the counts."""
    weeks = sorted(w for w, c in this_year.items() if c.possible and w <= up_to)
    rows, previous = [], None
    for week in weeks:
        counts = this_year[week]
        before = last_year.get(same_week_last_year(week))
        rows.append(
            WeekFigures(
                week,
                counts,
                before if before and before.possible else None,
                rag(counts.attendance_pct, previous.attendance_pct if previous else None),
            )
        )
        previous = counts
    flagged = lowest(rows, lambda r: r.attendance_pct, AT_RISK_WEEKS)
    return [WeekFigures(r.week, r.counts, r.last_year, r.rag, id(r) in flagged) for r in rows]


def weekly(school: School, window: Window, pupils: QuerySet | None = None) -> list[WeekFigures]:
    """Each school week of the window's academic year up to its end, beside the same week last year: one query."""
    rows = PupilWeek.objects.for_trust(school.trust).filter(
        school=school, academic_year__in=[window.year, window.year - 1]
    )
    if pupils is not None:
        rows = rows.filter(pupil__in=pupils.values("pk"))
    by_year: dict[int, dict[dt.date, SessionCounts]] = {window.year: {}, window.year - 1: {}}
    for row in rows.order_by().values("academic_year", "week").annotate(**_sums()):
        by_year[row["academic_year"]][row["week"]] = _counts(row)
    weeks = line_up_weeks(by_year[window.year], by_year[window.year - 1], window.end)
    return [w for w in weeks if w.week >= window.first_week]


# --- Reasons for absence and day trends (DayCodeCount) -----------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    code: str
    meaning: str
    category: str
    sessions: int
    share_pct: Decimal | None  # of all absence sessions
    rate_pct: Decimal | None  # of all possible sessions


def reasons_from(sessions_by_code: dict[str, int]) -> list[Reason]:
    """Absence codes as shares of absence and of possible sessions, most used first. Pure."""
    absent = sum(n for code, n in sessions_by_code.items() if code in C.ABSENT)
    possible = sum(n for code, n in sessions_by_code.items() if code in C.POSSIBLE)
    rows = [
        Reason(
            code,
            C.BY_CODE[code].meaning,
            C.BY_CODE[code].category.value,
            n,
            percent(n, absent),
            percent(n, possible),
        )
        for code, n in sessions_by_code.items()
        if code in C.ABSENT and n
    ]
    return sorted(rows, key=lambda r: (-r.sessions, r.code))


def reasons(school: School, window: Window, year_group: str | None = None) -> list[Reason]:
    """Reasons for absence over the window's dates (exact days, not whole weeks), school-wide or for a year group."""
    rows = DayCodeCount.objects.for_trust(school.trust).filter(school=school, date__range=(window.start, window.end))
    if year_group is not None:
        rows = rows.filter(year_group=year_group)
    totals = rows.order_by().values("code").annotate(n=Sum("sessions"))
    return reasons_from({row["code"]: row["n"] for row in totals})


def reasons_for_pupils(school: School, window: Window, pupils: QuerySet) -> list[Reason]:
    """Reasons for absence for a set of pupils (a tutor group, which the day counts do not record): the marks,
    grouped by code in SQL."""
    totals = (
        Mark.objects.for_trust(school.trust)
        .at_school(school)
        .between(window.start, window.end)
        .filter(pupil__in=pupils.values("pk"))
        .while_enrolled()
        .order_by()
        .values("code")
        .annotate(n=Count("pk"))
    )
    return reasons_from({row["code"]: row["n"] for row in totals})


def _day_sums() -> dict:
    return {
        "possible": Sum("sessions", filter=Q(code__in=sorted(C.POSSIBLE))),
        "attended": Sum("sessions", filter=Q(code__in=sorted(C.ATTENDING))),
    }


@dataclass(frozen=True)
class Rate:
    """Attendance over some sessions: a day, a weekday, a week, a year group in a week."""

    label: str
    possible: int
    attended: int
    key: object = None
    rag: str = ""
    at_risk: bool = False
    last_year_pct: Decimal | None = None

    @property
    def attendance_pct(self) -> Decimal | None:
        return percent(self.attended, self.possible)


@dataclass(frozen=True)
class DayTrends:
    weeks: list[Rate]  # key: Monday; rag against the week before; last_year_pct the same week last year
    weekdays: list[Rate]  # key: 1 (Monday) to 5
    days: list[Rate]  # key: date; at_risk on the lowest days
    week_years: dict[dt.date, list[Rate]]  # Monday -> each year group's rate that week, rag against its week before


def _rate(label: str, row: dict, key: object = None) -> Rate:
    return Rate(label, int(row["possible"] or 0), int(row["attended"] or 0), key)


def day_trends(school: School, window: Window, year_group: str | None = None) -> DayTrends:
    """Attendance by week (with each year group), by weekday and by day over the window, from the day counts.

    Four grouped queries (days, weeks by year group, weekdays, and last year's weeks); no loop over marks.
    """
    base = DayCodeCount.objects.for_trust(school.trust).filter(school=school).order_by()
    if year_group is not None:
        base = base.filter(year_group=year_group)
    this_year = base.filter(date__range=(window.first_week, window.end), academic_year=window.year)
    last = window.last_year()
    last_year = base.filter(date__range=(last.first_week, last.end), academic_year=last.year)

    days = [
        _rate(f"{row['date']:%a %-d %b}", row, row["date"])
        for row in this_year.values("date").annotate(**_day_sums()).order_by("date")
        if row["possible"]
    ]
    flagged = lowest(days, lambda r: r.attendance_pct, AT_RISK_DAYS)
    days = [Rate(r.label, r.possible, r.attended, r.key, at_risk=id(r) in flagged) for r in days]

    week_of_date = TruncWeek("date", output_field=DateField())
    by_week_year = list(
        this_year.annotate(monday=week_of_date)
        .values("monday", "year_group")
        .annotate(**_day_sums())
        .order_by("monday")
    )
    last_weeks = {
        row["monday"]: _rate("", row)
        for row in last_year.annotate(monday=week_of_date).values("monday").annotate(**_day_sums())
    }
    week_totals: dict[dt.date, SessionCounts] = {}
    for row in by_week_year:
        before = week_totals.get(row["monday"], SessionCounts())
        week_totals[row["monday"]] = before + SessionCounts(
            possible=int(row["possible"] or 0), present=int(row["attended"] or 0)
        )
    lined = line_up_weeks(
        week_totals,
        {w: SessionCounts(possible=r.possible, present=r.attended) for w, r in last_weeks.items()},
        window.end,
    )
    weeks = [
        Rate(
            f"w/c {w.week:%-d %b}",
            w.counts.possible,
            w.counts.attended,
            w.week,
            w.rag,
            w.at_risk,
            w.last_year_attendance_pct,
        )
        for w in lined
    ]
    week_years = _week_years(by_week_year)

    weekdays = [
        _rate(WEEKDAYS[row["weekday"] - 1], row, row["weekday"])
        for row in this_year.annotate(weekday=ExtractIsoWeekDay("date"))
        .values("weekday")
        .annotate(**_day_sums())
        .order_by("weekday")
        if row["weekday"] <= len(WEEKDAYS) and row["possible"]
    ]
    low_weekday = lowest(weekdays, lambda r: r.attendance_pct, 1)
    weekdays = [Rate(r.label, r.possible, r.attended, r.key, at_risk=id(r) in low_weekday) for r in weekdays]
    return DayTrends(weeks=weeks, weekdays=weekdays, days=days, week_years=week_years)


def _week_years(rows: Iterable[dict]) -> dict[dt.date, list[Rate]]:
    """Each week's year groups, each RAG-coloured against the same year group the school week before."""
    by_year: dict[str, list[dict]] = {}
    for row in rows:
        if row["possible"]:
            by_year.setdefault(row["year_group"], []).append(row)
    result: dict[dt.date, list[Rate]] = {}
    for year, year_rows in by_year.items():
        previous = None
        for row in sorted(year_rows, key=lambda r: r["monday"]):
            rate = _rate(f"Year {year}" if year else "No year group", row, year)
            coloured = Rate(rate.label, rate.possible, rate.attended, year, rag(rate.attendance_pct, previous))
            result.setdefault(row["monday"], []).append(coloured)
            previous = rate.attendance_pct
    return {week: sorted(rates, key=lambda r: year_order(r.key)) for week, rates in result.items()}


# --- Who was absent on a day or in a week ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayAbsence:
    pupil_id: int
    am: str
    pm: str


def day_codes(school: School, day: dt.date, pupil_ids: Iterable[int]) -> dict[int, DayAbsence]:
    """The AM and PM codes of the pupils on `day`, for the list of who was absent then: one query."""
    codes: dict[int, dict[str, str]] = {}
    for pupil_id, session, code in (
        Mark.objects.for_trust(school.trust)
        .at_school(school)
        .filter(date=day, pupil__in=list(pupil_ids))
        .values_list("pupil", "session", "code")
    ):
        codes.setdefault(pupil_id, {})[session] = code
    return {p: DayAbsence(p, c.get("AM", ""), c.get("PM", "")) for p, c in codes.items()}
