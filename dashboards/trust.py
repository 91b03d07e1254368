"""The trust view's figures: every school of a trust side by side, and the trust's pupil groups, year to date against
the same point last year, the trust's 96% target and the national figure for each school's phase.

Everything is read from registers.models.PupilWeek (kept equal to the marks by registers.summaries) in two grouped
queries, whatever the trust's size: one sums each pupil's weeks and then each school's and group's pupils (so PA and SA
are judged on each pupil's own sessions), the other counts the pupils on roll. A pupil who moved between two schools of
the trust counts at each school for the sessions they were on its roll, as the DfE counts enrolments; the trust's
totals are the schools' sessions summed, never a mean of percentages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from registers.models import COUNT_FIELDS, PupilWeek
from registers.statistics import SessionCounts, percent
from schools.calendar import academic_year, academic_year_label, week_of
from schools.models import Enrolment, Pupil, School, Trust

# ODST's central Attendance Statement (September 2024): "ODST's attendance target is 96% for all pupils and groups of
# pupils." Omega MAT's letter to parents (2024) shares the aspiration "for all trust schools to achieve more than 96%
# attendance". One figure for every school and every group, as the statement says.
TARGET_PCT = Decimal("96")
TARGET_SOURCE = (
    "ODST Attendance Statement (September 2024): \"ODST's attendance target is 96% for all pupils and groups of "
    'pupils"; the Omega MAT letter to parents (2024) aims for every school above 96%'
)

# The same point last year is the same weekday 52 weeks earlier, so both windows hold the same school weeks.
YEAR_AGO = dt.timedelta(weeks=52)


# --- Windows ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """From 1 August of an academic year to `end`; summaries count whole school weeks starting on or before `end`."""

    academic_year: int
    start: dt.date
    end: dt.date

    @property
    def last_week(self) -> dt.date:
        return week_of(self.end)

    @property
    def label(self) -> str:
        return academic_year_label(self.academic_year)


def windows(today: dt.date) -> tuple[Window, Window]:
    """This academic year to `today`, and last year to the same weekday 52 weeks before."""
    year_ago = today - YEAR_AGO
    this = Window(academic_year(today), dt.date(academic_year(today), 8, 1), today)
    # 52 weeks back from 31 July is 1 August of this year: last year then ends on its own 31 July.
    last = Window(
        this.academic_year - 1, dt.date(this.academic_year - 1, 8, 1), min(year_ago, this.start - dt.timedelta(days=1))
    )
    return this, last


# --- Pupil groups -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PupilGroup:
    """A characteristic the trust compares: `key` names it in URLs; `condition` selects it from schools_pupil (as p)."""

    key: str
    label: str
    condition: str


ALL_PUPILS = PupilGroup("all", "All pupils", "TRUE")
# The groups of the Omega Charter's dashboards (PP, SEND, EAL, gender) and the DfE's tables (FSM, looked after), keyed
# as dashboards.filters.CHARACTERISTICS so each figure opens its pupil list. Conditions are fixed SQL over the
# pupil's own columns; no request value is ever put into them.
GROUPS: tuple[PupilGroup, ...] = (
    PupilGroup("fsm", "Free school meals (FSM)", "p.fsm"),
    PupilGroup("pp", "Pupil premium", "p.pupil_premium"),
    PupilGroup("sen", "SEN (support or EHC plan)", f"p.sen <> '{Pupil.SEN.NONE}'"),
    PupilGroup("sen_k", "SEN support", f"p.sen = '{Pupil.SEN.SUPPORT}'"),
    PupilGroup("sen_e", "EHC plan", f"p.sen = '{Pupil.SEN.EHCP}'"),
    PupilGroup("eal", "English as an additional language (EAL)", "p.eal"),
    PupilGroup("gender_f", "Girls", f"p.gender = '{Pupil.Gender.FEMALE}'"),
    PupilGroup("gender_m", "Boys", f"p.gender = '{Pupil.Gender.MALE}'"),
    PupilGroup("lac", "Looked after", "p.looked_after"),
)
GROUPS_BY_KEY = {g.key: g for g in (ALL_PUPILS, *GROUPS)}


# --- Figures ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """A school's or group's figures over one window: sessions summed, pupils counted."""

    pupils: int = 0  # on roll on at least one day of the window (the `attendance` command's count)
    counted: int = 0  # of those, pupils with at least one possible session: the base of PA and SA rates
    counts: SessionCounts = field(default_factory=SessionCounts)
    persistent: int = 0  # pupils who missed 10% or more of their own possible sessions
    severe: int = 0  # 50% or more

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.pupils + other.pupils,
            self.counted + other.counted,
            self.counts + other.counts,
            self.persistent + other.persistent,
            self.severe + other.severe,
        )

    @property
    def attendance_pct(self) -> Decimal | None:
        return self.counts.attendance_pct

    @property
    def absence_pct(self) -> Decimal | None:
        return percent(self.counts.absent, self.counts.possible)

    @property
    def unauthorised_pct(self) -> Decimal | None:
        return percent(self.counts.unauthorised, self.counts.possible)

    @property
    def persistent_pct(self) -> Decimal | None:
        return percent(self.persistent, self.counted)

    @property
    def severe_pct(self) -> Decimal | None:
        return percent(self.severe, self.counted)


def _difference(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


@dataclass(frozen=True)
class Row:
    """One line of a table: a school, a group, or their total, this year beside the same point last year."""

    label: str
    this_year: Figures
    last_year: Figures
    national_pct: Decimal | None  # national attendance for the row's phase; None where phases are mixed
    school: School | None = None
    group: PupilGroup = ALL_PUPILS
    is_total: bool = False

    @property
    def target_gap(self) -> Decimal | None:
        """Points above (positive) or below (negative) the trust's target."""
        return _difference(self.this_year.attendance_pct, TARGET_PCT)

    @property
    def national_gap(self) -> Decimal | None:
        return _difference(self.this_year.attendance_pct, self.national_pct)

    @property
    def change(self) -> Decimal | None:
        """Points of attendance gained (positive) or lost since the same point last year."""
        return _difference(self.this_year.attendance_pct, self.last_year.attendance_pct)


def combined(label: str, rows: Sequence[Row], national_pct: Decimal | None, group: PupilGroup = ALL_PUPILS) -> Row:
    """The rows added together: sessions and pupils summed, never percentages averaged."""
    return Row(
        label=label,
        this_year=sum((r.this_year for r in rows), Figures()),
        last_year=sum((r.last_year for r in rows), Figures()),
        national_pct=national_pct,
        group=group,
        is_total=True,
    )


# --- The grouped queries ----------------------------------------------------------------------------------------------

# One row per (academic year, school, pupil): the pupil's sessions over the window of that year.
_PER_PUPIL = """
    SELECT w.academic_year, w.school_id, w.pupil_id, {sums}
    FROM {pupilweek} w
    WHERE w.trust_id = %(trust)s
      AND ((w.academic_year = %(this_year)s AND w.week <= %(this_week)s)
        OR (w.academic_year = %(last_year)s AND w.week <= %(last_week)s))
    GROUP BY w.academic_year, w.school_id, w.pupil_id
"""

_FIGURES = """
    WITH per_pupil AS ({per_pupil})
    SELECT pp.academic_year, pp.school_id, g.key,
           count(*) FILTER (WHERE pp.possible > 0) AS counted,
           {totals},
           count(*) FILTER (WHERE pp.possible > 0 AND (pp.authorised + pp.unauthorised) * 10 >= pp.possible)
               AS persistent,
           count(*) FILTER (WHERE pp.possible > 0 AND (pp.authorised + pp.unauthorised) * 2 >= pp.possible)
               AS severe
    FROM per_pupil pp
    JOIN {pupil} p ON p.id = pp.pupil_id AND p.trust_id = %(trust)s
    CROSS JOIN LATERAL (VALUES {groups}) AS g(key, member)
    WHERE g.member
    GROUP BY pp.academic_year, pp.school_id, g.key
"""

# Pupils on a school's roll on at least one day of each window, by group: the `attendance` command's pupil count.
_ON_ROLL = """
    SELECT y.academic_year, e.school_id, g.key, count(DISTINCT e.pupil_id) AS pupils
    FROM {enrolment} e
    JOIN {pupil} p ON p.id = e.pupil_id AND p.trust_id = %(trust)s
    CROSS JOIN (VALUES (%(this_year)s, %(this_start)s::date, %(this_end)s::date),
                       (%(last_year)s, %(last_start)s::date, %(last_end)s::date)) AS y(academic_year, starts, ends)
    CROSS JOIN LATERAL (VALUES {groups}) AS g(key, member)
    WHERE e.trust_id = %(trust)s AND g.member
      AND e.starts <= y.ends AND (e.ends IS NULL OR e.ends >= y.starts)
    GROUP BY y.academic_year, e.school_id, g.key
"""


def _groups_sql(groups: Iterable[PupilGroup]) -> str:
    return ", ".join(f"('{g.key}', {g.condition})" for g in groups)


FigureKey = tuple[int, int, str]  # (academic year, school id, group key)


def figures_by_school_and_group(
    trust: Trust, this: Window, last: Window, groups: Sequence[PupilGroup] = (ALL_PUPILS,)
) -> dict[FigureKey, Figures]:
    """Figures for every (academic year, school, group) of the trust with any pupil on roll, in two queries.

    A school or group with nobody on roll in a window has no entry (the caller reads that as no figures).
    """
    params = {
        "trust": trust.pk,
        "this_year": this.academic_year,
        "this_week": this.last_week,
        "this_start": this.start,
        "this_end": this.end,
        "last_year": last.academic_year,
        "last_week": last.last_week,
        "last_start": last.start,
        "last_end": last.end,
    }
    tables = {
        "pupilweek": PupilWeek._meta.db_table,
        "pupil": Pupil._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
        "groups": _groups_sql(groups),
    }
    per_pupil = _PER_PUPIL.format(sums=", ".join(f"sum(w.{f}) AS {f}" for f in COUNT_FIELDS), **tables)
    figures_sql = _FIGURES.format(
        per_pupil=per_pupil, totals=", ".join(f"sum(pp.{f}) AS {f}" for f in COUNT_FIELDS), **tables
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Summing each pupil's weeks groups a whole trust's two years (1.5 million rows at 50 schools): with the
        # default 4 MB the groups are sorted on disk, with 64 MB they are hashed in memory, about a third faster.
        # JIT compiling costs more than it saves for a query planned afresh on every page.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_ON_ROLL.format(**tables), params)
        on_roll = {(year, school, key): pupils for year, school, key, pupils in cursor.fetchall()}
        cursor.execute(figures_sql, params)
        sessions = {(row[0], row[1], row[2]): row[3:] for row in cursor.fetchall()}
    figures = {}
    for key, pupils in on_roll.items():
        counted, *counts, persistent, severe = sessions.get(key, (0, *([0] * len(COUNT_FIELDS)), 0, 0))
        figures[key] = Figures(
            pupils=pupils,
            counted=counted,
            counts=SessionCounts(*(int(c) for c in counts)),
            persistent=persistent,
            severe=severe,
        )
    return figures


# --- Tables -----------------------------------------------------------------------------------------------------------

# (school phase, group key) -> national attendance % for that phase and group, or None when none is published.
NationalLookup = Callable[[str, str], Decimal | None]


@dataclass(frozen=True)
class TrustTable:
    this: Window
    last: Window
    rows: list[Row]  # one per school (or per group), in name order
    total: Row


def _trust_national(schools: Sequence[School], group: PupilGroup, national: NationalLookup) -> Decimal | None:
    """The national figure for the whole trust only when every school shares a phase: a blend of phases misleads."""
    phases = {s.phase for s in schools}
    return national(phases.pop(), group.key) if len(phases) == 1 else None


def school_table(trust: Trust, today: dt.date, national: NationalLookup) -> TrustTable:
    """Every school of the trust (by name), with the trust's total row."""
    this, last = windows(today)
    schools = list(School.objects.for_trust(trust).order_by("name"))
    figures = figures_by_school_and_group(trust, this, last)
    rows = [_school_row(school, ALL_PUPILS, figures, this, last, national) for school in schools]
    total_row = combined(f"All {len(rows)} schools", rows, _trust_national(schools, ALL_PUPILS, national))
    return TrustTable(this, last, rows, total_row)


def _school_row(
    school: School, group: PupilGroup, figures: dict[FigureKey, Figures], this: Window, last: Window, national
) -> Row:
    return Row(
        label=school.name,
        school=school,
        group=group,
        this_year=figures.get((this.academic_year, school.pk, group.key), Figures()),
        last_year=figures.get((last.academic_year, school.pk, group.key), Figures()),
        national_pct=national(school.phase, group.key),
    )


@dataclass(frozen=True)
class GroupTables:
    this: Window
    last: Window
    groups: list[Row]  # one per group across the trust, ALL_PUPILS first
    by_school: dict[str, TrustTable]  # group key -> that group's pupils at each school, with the trust's total


def group_tables(trust: Trust, today: dt.date, national: NationalLookup) -> GroupTables:
    """Each pupil group across the trust (schools' sessions summed), and each group school by school."""
    this, last = windows(today)
    schools = list(School.objects.for_trust(trust).order_by("name"))
    groups = (ALL_PUPILS, *GROUPS)
    figures = figures_by_school_and_group(trust, this, last, groups)
    by_school, across = {}, []
    for group in groups:
        rows = [_school_row(school, group, figures, this, last, national) for school in schools]
        trust_national = _trust_national(schools, group, national)
        by_school[group.key] = TrustTable(
            this, last, rows, combined(f"All {len(rows)} schools", rows, trust_national, group)
        )
        across.append(combined(group.label, rows, trust_national, group))
    return GroupTables(this, last, across, by_school)


# --- Sorting ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A sortable column of the trust tables: `key` is its ?sort= value, `value` what it sorts (and exports) by."""

    key: str
    label: str
    title: str
    value: Callable[[Row], object]
    numeric: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("name", "School", "School name", lambda r: r.label.casefold(), numeric=False),
    Column("pupils", "Pupils", "Pupils on roll at any time this year", lambda r: r.this_year.pupils),
    Column("attendance", "Attendance", "Attendance this year to date", lambda r: r.this_year.attendance_pct),
    Column(
        "target", f"Against {TARGET_PCT}%", f"Points above or below the {TARGET_PCT}% target", lambda r: r.target_gap
    ),
    Column("national", "Against national", "Points above or below national for the phase", lambda r: r.national_gap),
    Column("last_year", "Last year", "Attendance at the same point last year", lambda r: r.last_year.attendance_pct),
    Column("change", "Change", "Points of attendance since the same point last year", lambda r: r.change),
    Column("absence", "Absence", "Overall absence: sessions missed", lambda r: r.this_year.absence_pct),
    Column("unauthorised", "Unauthorised", "Unauthorised absence", lambda r: r.this_year.unauthorised_pct),
    Column("pa", "PA", "Persistent absence: pupils missing 10% or more", lambda r: r.this_year.persistent_pct),
    Column(
        "pa_last",
        "PA last year",
        "Persistent absence at the same point last year",
        lambda r: r.last_year.persistent_pct,
    ),
    Column("sa", "SA", "Severe absence: pupils missing 50% or more", lambda r: r.this_year.severe_pct),
    Column("sa_last", "SA last year", "Severe absence at the same point last year", lambda r: r.last_year.severe_pct),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_SORT = "name"


def parse_sort(value: str) -> tuple[Column, bool]:
    """The column and direction a ?sort= value asks for ("attendance", "-attendance" for descending); anything
    else sorts by name."""
    descending = value.startswith("-")
    column = COLUMNS_BY_KEY.get(value.removeprefix("-"))
    return (column, descending) if column else (COLUMNS_BY_KEY[DEFAULT_SORT], False)


def sort_rows(rows: Iterable[Row], column: Column, descending: bool = False) -> list[Row]:
    """The rows ordered by the column; rows without a value (no sessions yet) come last either way, by name."""
    by_name = sorted(rows, key=lambda r: r.label.casefold())
    known = [r for r in by_name if column.value(r) is not None]
    unknown = [r for r in by_name if column.value(r) is None]
    return sorted(known, key=column.value, reverse=descending) + unknown
