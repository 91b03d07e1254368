"""The trust view: every school of the trust side by side, and the trust's pupil groups. For trust leads only.

Both pages read the figures of dashboards.trust (grouped queries over the weekly summaries), sort on the server from
?sort= so a sorted table can be bookmarked, and download as CSV or XLSX with the same URL and `format=`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from schools.queries import PERSISTENT, SEN_ANY, SEVERE
from schools.views import member_required

from . import comparison, export
from . import trust as figures

# --- What each figure shows and opens ---------------------------------------------------------------------------------


def signed(value: Decimal | None) -> str:
    """A difference in points with its sign ("+1.2", "−0.4", "0.0"), or "–" when there is none."""
    if value is None:
        return "–"
    if value > 0:
        return f"+{value}"
    return f"−{-value}" if value < 0 else f"{value}"


def _state(value: Decimal | None) -> str:
    """Above, below or level: the class of the colour that repeats a difference's sign."""
    if value is None or value == 0:
        return "level"
    return "above" if value > 0 else "below"


def _rate_and_count(pct: Decimal | None, count: int) -> str:
    return "–" if pct is None else f"{pct}% ({count})"


@dataclass(frozen=True)
class PupilLinks:
    """The pupil list behind each figure of a row ("" where there is none to open)."""

    pupils: str = ""
    absent: str = ""
    unauthorised: str = ""
    pa: str = ""
    sa: str = ""
    last_pupils: str = ""
    last_pa: str = ""
    last_sa: str = ""


def _school_list(school_id: int, group: figures.PupilGroup, window: figures.Window, measure: str = "") -> str:
    """The school's pupil list for the group over the window, narrowed to the pupils behind `measure`."""
    params = {"characteristic": "" if group is figures.ALL_PUPILS else group.key, "measure": measure}
    params |= {"start": window.start.isoformat(), "end": window.end.isoformat()}
    query = urlencode({name: value for name, value in params.items() if value})
    return f"{reverse('dashboards:school_pupils', kwargs={'school_id': school_id})}?{query}"


# The trust-wide pupil list (schools:pupils) filters year to date by these groups only.
_TRUST_LIST_FILTERS = {"all": {}, "fsm": {"fsm": "on"}, "sen": {"sen": SEN_ANY}, "eal": {"eal": "on"}}
_TRUST_LIST_FILTERS |= {"sen_k": {"sen": "K"}, "sen_e": {"sen": "E"}}


def _trust_list(group: figures.PupilGroup, absence: str = "") -> str:
    params = {**_TRUST_LIST_FILTERS[group.key], **({"absence": absence} if absence else {})}
    return reverse("schools:pupils") + (f"?{urlencode(params)}" if params else "")


def pupil_links(row: figures.Row, this: figures.Window, last: figures.Window) -> PupilLinks:
    """A school's row opens the school's pupil lists for the row's group and window; the trust's total opens the
    trust-wide pupil list this year where it filters by the group, and nothing where it cannot."""
    if row.school is not None:
        school, group = row.school.pk, row.group
        return PupilLinks(
            pupils=_school_list(school, group, this),
            absent=_school_list(school, group, this, "absent"),
            unauthorised=_school_list(school, group, this, "unauthorised"),
            pa=_school_list(school, group, this, "pa"),
            sa=_school_list(school, group, this, "sa"),
            last_pupils=_school_list(school, group, last),
            last_pa=_school_list(school, group, last, "pa"),
            last_sa=_school_list(school, group, last, "sa"),
        )
    if row.group.key not in _TRUST_LIST_FILTERS:
        return PupilLinks()
    return PupilLinks(
        pupils=_trust_list(row.group),
        pa=_trust_list(row.group, PERSISTENT),
        sa=_trust_list(row.group, SEVERE),
    )


@dataclass(frozen=True)
class Line:
    """A row as the page shows it: its figures as text and the pupil lists they open."""

    row: figures.Row
    links: PupilLinks

    @classmethod
    def of(cls, row: figures.Row, table: figures.TrustTable) -> Line:
        return cls(row, pupil_links(row, table.this, table.last))

    @property
    def target_text(self) -> str:
        return signed(self.row.target_gap)

    @property
    def target_state(self) -> str:
        return _state(self.row.target_gap)

    @property
    def national_text(self) -> str:
        return signed(self.row.national_gap)

    @property
    def national_state(self) -> str:
        return _state(self.row.national_gap)

    @property
    def change_text(self) -> str:
        return signed(self.row.change)

    @property
    def change_state(self) -> str:
        return _state(self.row.change)

    @property
    def pa_text(self) -> str:
        return _rate_and_count(self.row.this_year.persistent_pct, self.row.this_year.persistent)

    @property
    def pa_last_text(self) -> str:
        return _rate_and_count(self.row.last_year.persistent_pct, self.row.last_year.persistent)

    @property
    def sa_text(self) -> str:
        return _rate_and_count(self.row.this_year.severe_pct, self.row.this_year.severe)

    @property
    def sa_last_text(self) -> str:
        return _rate_and_count(self.row.last_year.severe_pct, self.row.last_year.severe)


# --- National figures -------------------------------------------------------------------------------------------------


def national_attendance(today) -> figures.NationalLookup:
    """National attendance (100% less overall absence) for a phase and group, from the latest release on or before
    this academic year; None for a group the DfE publishes no figure for."""
    year = figures.windows(today)[0].academic_year
    found: dict[tuple[str, str], Decimal | None] = {}

    def lookup(phase: str, group_key: str) -> Decimal | None:
        if (phase, group_key) not in found:
            characteristic = "" if group_key == figures.ALL_PUPILS.key else group_key
            figure = None
            if characteristic in comparison.CHARACTERISTICS:
                figure = comparison.national(comparison.OVERALL_ABSENCE, phase, year, characteristic)
            found[phase, group_key] = figure.attendance_pct if figure else None
        return found[phase, group_key]

    return lookup


def national_sources(
    today, phases: set[str], groups: Sequence[figures.PupilGroup] = (figures.ALL_PUPILS,)
) -> list[str]:
    """Each national figure the page compares with, by its label (area, phase, year, period) and publication."""
    year = figures.windows(today)[0].academic_year
    chosen = set()
    for group in groups:
        characteristic = "" if group is figures.ALL_PUPILS else group.key
        if characteristic in comparison.CHARACTERISTICS:
            chosen |= {comparison.national(comparison.OVERALL_ABSENCE, p, year, characteristic) for p in phases}
    group_label = {g.key: g.label for g in figures.GROUPS}
    return sorted(
        f"{group_label[f.characteristic] + ', ' if f.characteristic else ''}{f.label} ({f.source})" for f in chosen if f
    )


@dataclass(frozen=True)
class Header:
    """A column heading that sorts the table: a link to the same page with ?sort= set, and its aria-sort state."""

    column: figures.Column
    url: str
    aria_sort: str  # "ascending", "descending", or "" for a column the table is not sorted by
    next_direction: str


def _not_for_you(request: HttpRequest, page: str) -> HttpResponse:
    return render(request, "dashboards/trust/not_for_you.html", {"page": page}, status=403)


def _headers(request: HttpRequest, column: figures.Column, descending: bool) -> list[Header]:
    """Each column's heading: sorted ascending on the first press, reversed on the next."""
    headers = []
    for candidate in figures.COLUMNS:
        query = request.GET.copy()
        query.pop("format", None)
        current = candidate.key == column.key
        flip = current and not descending
        query["sort"] = f"-{candidate.key}" if flip else candidate.key
        state = ("descending" if descending else "ascending") if current else ""
        headers.append(Header(candidate, f"?{query.urlencode()}", state, "descending" if flip else "ascending"))
    return headers


def _lines(rows: Sequence[figures.Row], table: figures.TrustTable) -> list[Line]:
    return [Line.of(row, table) for row in rows]


# --- Downloads --------------------------------------------------------------------------------------------------------

EXPORT_HEADERS = (
    "Group",
    "School",
    "URN",
    "Phase",
    "From",
    "To",
    "Pupils",
    "Possible sessions",
    "Sessions attended",
    "Attendance %",
    "Target %",
    "Against target (points)",
    "National attendance %",
    "Against national (points)",
    "Absence %",
    "Authorised sessions",
    "Unauthorised sessions",
    "Unauthorised %",
    "PA pupils",
    "PA %",
    "SA pupils",
    "SA %",
    "Last year from",
    "Last year to",
    "Last year pupils",
    "Last year attendance %",
    "Change (points)",
    "Last year PA pupils",
    "Last year PA %",
    "Last year SA pupils",
    "Last year SA %",
)


def _export_row(row: figures.Row, table: figures.TrustTable) -> list:
    now, then = row.this_year, row.last_year
    school = row.school
    return [
        row.group.label,
        school.name if school else "All schools",
        school.urn if school else "",
        school.get_phase_display() if school else "",
        table.this.start,
        table.this.end,
        now.pupils,
        now.counts.possible,
        now.counts.attended,
        now.attendance_pct,
        figures.TARGET_PCT,
        row.target_gap,
        row.national_pct,
        row.national_gap,
        now.absence_pct,
        now.counts.authorised,
        now.counts.unauthorised,
        now.unauthorised_pct,
        now.persistent,
        now.persistent_pct,
        now.severe,
        now.severe_pct,
        table.last.start,
        table.last.end,
        then.pupils,
        then.attendance_pct,
        row.change,
        then.persistent,
        then.persistent_pct,
        then.severe,
        then.severe_pct,
    ]


def _download(request: HttpRequest, fmt: str, name: str, tables: Sequence[figures.TrustTable]) -> HttpResponse:
    rows = [_export_row(row, table) for table in tables for row in (*table.rows, table.total)]
    day = tables[0].this.end.isoformat()
    return export.table_response(request, filename=f"{name}-{day}", headers=EXPORT_HEADERS, rows=rows, fmt=fmt)


# --- Pages ------------------------------------------------------------------------------------------------------------


def _common(
    request: HttpRequest, table: figures.TrustTable, today, groups: Sequence[figures.PupilGroup] = (figures.ALL_PUPILS,)
) -> dict:
    """What both pages show: the windows, the target and its source, the national figures' sources, downloads."""
    return {
        "this": table.this,
        "last": table.last,
        "target_pct": figures.TARGET_PCT,
        "target_source": figures.TARGET_SOURCE,
        "national_sources": national_sources(today, {row.school.phase for row in table.rows}, groups),
        "export": export.export_links(request),
    }


def _sorted_table(request: HttpRequest, table: figures.TrustTable) -> dict:
    """The table's rows in the order ?sort= asks for, its headings and its total."""
    column, descending = figures.parse_sort(request.GET.get("sort", ""))
    return {
        "headers": _headers(request, column, descending),
        "lines": _lines(figures.sort_rows(table.rows, column, descending), table),
        "total": Line.of(table.total, table),
    }


@member_required
@require_GET
def schools(request: HttpRequest) -> HttpResponse:
    """Every school of the trust, sortable by any column, with the trust's total."""
    if not request.access.is_trust_lead:
        return _not_for_you(request, "Trust view")
    today = timezone.localdate()
    table = figures.school_table(request.trust, today, national_attendance(today))
    if fmt := export.requested_format(request):
        return _download(request, fmt, f"{request.trust.slug}-schools", [table])
    context = {**_common(request, table, today), **_sorted_table(request, table)}
    return render(request, "dashboards/trust/schools.html", context)


@member_required
@require_GET
def groups(request: HttpRequest) -> HttpResponse:
    """Each pupil group across the trust, then one group (?group=) school by school, sortable by any column."""
    if not request.access.is_trust_lead:
        return _not_for_you(request, "Trust pupil groups")
    today = timezone.localdate()
    tables = figures.group_tables(request.trust, today, national_attendance(today))
    if fmt := export.requested_format(request):
        return _download(request, fmt, f"{request.trust.slug}-groups", list(tables.by_school.values()))
    chosen = figures.GROUPS_BY_KEY.get(request.GET.get("group", ""), figures.GROUPS[0])
    table = tables.by_school[chosen.key]
    context = {
        **_common(request, table, today, (figures.ALL_PUPILS, *figures.GROUPS)),
        **_sorted_table(request, table),
        "groups": [Line.of(row, table) for row in tables.groups],
        "group_choices": [(g, _group_url(request, g.key)) for g in (figures.ALL_PUPILS, *figures.GROUPS)],
        "chosen": chosen,
    }
    return render(request, "dashboards/trust/groups.html", context)


def _group_url(request: HttpRequest, key: str) -> str:
    query = request.GET.copy()
    query.pop("format", None)
    query["group"] = key
    return f"?{query.urlencode()}#by-school"
