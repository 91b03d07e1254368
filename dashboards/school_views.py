"""The school dashboard, its group-trend and day/week-trend views, the year-group and tutor-group dashboards, and the
pupil list behind every number on them (Omega Charter, "Omega Analytics Dashboards" 1-7 and 9).

Who sees what: a school's headteacher, attendance lead, officers and DSL, and trust leads, see its dashboards; a
teacher sees the dashboards of the groups they tutor, and the pupil lists of those groups. Anything else is 404, as
if it did not exist. Figures come from dashboards.figures (the summary tables); every table downloads as CSV or XLSX
through the page's own URL with `format=` (and `table=`) added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from registers.statistics import SessionCounts
from schools.calendar import academic_year, week_of
from schools.models import Pupil, RegistrationGroup, School
from schools.tenancy import get_for_trust_or_404
from schools.views import member_required

from . import comparison, figures
from .charts import Series, bar_chart, line_chart
from .daily import headroom_for_pupils
from .export import export_links, requested_format, requested_table, table_response
from .figures import GroupFigures, Window
from .filters import CHARACTERISTICS, YEAR_GROUPS, Filters, year_to_date
from .headroom import Headroom

# The group-trend views linked from the school dashboard (Omega Charter dashboards 3-6: PP, SEND, EAL and gender).
GROUP_TRENDS = ("pp", "fsm", "sen", "eal", "gender_f", "gender_m")
PUPILS_PER_PAGE = 100
STYLESHEETS = ("dashboards/charts.css", "dashboards/school.css")

Table = tuple[list[str], list[list]]  # headers and rows, for a download


# --- Scope ------------------------------------------------------------------------------------------------------


def _school(request: HttpRequest, school_id: int) -> School:
    """A school whose every pupil the user sees (school-wide roles, trust leads); anything else is 404."""
    school = get_for_trust_or_404(School.objects.select_related("trust"), request.trust, pk=school_id)
    if school.pk not in request.access.school_ids:
        raise Http404("No school here")
    return school


def _school_or_tutor(request: HttpRequest, school_id: int) -> School:
    """A school the user sees at least some pupils of (a teacher: their tutor groups)."""
    school = get_for_trust_or_404(School.objects.select_related("trust"), request.trust, pk=school_id)
    if school.pk not in request.access.all_school_ids:
        raise Http404("No school here")
    return school


def _tutor_group(request: HttpRequest, group_id: int) -> RegistrationGroup:
    """The group, for its school's school-wide staff and its own tutors; 404 for anyone else."""
    group = get_for_trust_or_404(
        RegistrationGroup.objects.select_related("school__trust").prefetch_related("tutors"), request.trust, pk=group_id
    )
    access = request.access
    tutors = group.school_id in access.all_school_ids and any(t.pk == access.user_id for t in group.tutors.all())
    if group.school_id not in access.school_ids and not tutors:
        raise Http404("No such group")
    return group


def _cohort(school: School, **lookups: object) -> QuerySet:
    """The school's trust's pupils narrowed by `lookups`, for figures. Figures are the school's own (leavers and all,
    as the DfE counts them); what each user may open is scoped again on the pupil list."""
    return Pupil.objects.for_trust(school.trust).filter(**lookups)


# --- Links to pupil lists ---------------------------------------------------------------------------------------


def _pupils_url(school: School, filters: Filters, window: Window, **changes: object) -> str:
    """The pupil list at `school` with the page's filters, those in the page's path included (a year group, a
    characteristic), the window's dates, and `changes`."""
    in_list_path = filters.with_changes(fixed=frozenset({"school"}))
    query = in_list_path.query_string(start=window.start, end=window.end, **changes)
    return reverse("dashboards:school_pupils", args=[school.pk]) + query


@dataclass(frozen=True)
class GroupRow:
    """One row of a headline table: a group's figures this year and at the same point last year, the national
    comparators for it, and the pupil list behind each number."""

    figures: GroupFigures
    last_year: GroupFigures
    links: dict[str, str]
    national_absence: comparison.Figure | None = None
    national_persistent: comparison.Figure | None = None
    dashboard_url: str = ""


def _group_row(
    school: School,
    filters: Filters,
    window: Window,
    this: GroupFigures,
    last: GroupFigures,
    *,
    national_for: str | None = None,
    **narrowing: object,
) -> GroupRow:
    links = {m: _pupils_url(school, filters, window, measure=m, **narrowing) for m in figures.MEASURES}
    last_window = window.last_year()
    links |= {f"last_{m}": _pupils_url(school, filters, last_window, measure=m, **narrowing) for m in figures.MEASURES}
    national = {}
    if national_for is not None:
        for measure in (comparison.OVERALL_ABSENCE, comparison.PERSISTENT_ABSENCE):
            national[measure] = comparison.national(measure, school.phase, window.year, national_for)
    return GroupRow(
        this,
        last,
        links,
        national.get(comparison.OVERALL_ABSENCE),
        national.get(comparison.PERSISTENT_ABSENCE),
    )


GROUP_HEADERS = [
    "Group",
    "Pupils",
    "Possible sessions",
    "Attendance %",
    "Absence %",
    "Unauthorised absence %",
    "Persistent absence (pupils)",
    "Persistent absence %",
    "Severe absence (pupils)",
    "Severe absence %",
    "Same point last year: attendance %",
    "Same point last year: persistent absence %",
    "Same point last year: severe absence %",
    "National absence %",
    "National persistent absence %",
]


def _group_table(rows: list[GroupRow]) -> Table:
    return GROUP_HEADERS, [
        [
            r.figures.label,
            r.figures.pupils,
            r.figures.counts.possible,
            r.figures.counts.attendance_pct,
            r.figures.absence_pct,
            r.figures.unauthorised_pct,
            r.figures.persistent,
            r.figures.persistent_pct,
            r.figures.severe,
            r.figures.severe_pct,
            r.last_year.counts.attendance_pct,
            r.last_year.persistent_pct,
            r.last_year.severe_pct,
            r.national_absence.value if r.national_absence else None,
            r.national_persistent.value if r.national_persistent else None,
        ]
        for r in rows
    ]


def _weeks_table(weeks: list[figures.WeekFigures]) -> Table:
    headers = [
        "Week beginning",
        "Possible sessions",
        "Attendance %",
        "Absence %",
        "Same week last year (w/c)",
        "Last year attendance %",
        "Last year absence %",
        "Change on the week before",
        "Lowest weeks",
    ]
    rows = [
        [
            w.week,
            w.counts.possible,
            w.attendance_pct,
            w.absence_pct,
            w.last_year_week,
            w.last_year_attendance_pct,
            w.last_year_absence_pct,
            figures.RAG_LABELS.get(w.rag, ""),
            "At risk" if w.at_risk else "",
        ]
        for w in weeks
    ]
    return headers, rows


def _reasons_table(reasons: list[figures.Reason]) -> Table:
    headers = ["Code", "Meaning", "Category", "Sessions", "Share of absence %", "Share of possible sessions %"]
    return headers, [[r.code, r.meaning, r.category, r.sessions, r.share_pct, r.rate_pct] for r in reasons]


def _download_or_page(
    request: HttpRequest, tables: dict[str, Callable[[], Table]], filename: str, render_page: Callable[[], HttpResponse]
) -> HttpResponse:
    """The table the request asks for as a download, or the page. An unknown table is 404."""
    fmt = requested_format(request)
    if fmt is None:
        return render_page()
    name = requested_table(request, next(iter(tables)))
    if name not in tables:
        raise Http404("No such table on this page")
    headers, rows = tables[name]()
    return table_response(request, filename=f"{filename}-{name}", headers=headers, rows=rows, fmt=fmt)


def _exports(request: HttpRequest, names) -> dict[str, dict[str, str]]:
    return {name: export_links(request, table=name) for name in names}


def _attendance_chart(weeks: list[figures.WeekFigures], title: str, *, absence: bool = False, extra=None) -> str:
    labels = [f"{w.week:%-d %b}" for w in weeks]
    if absence:
        series = [
            Series("This year", [w.absence_pct for w in weeks], "series--this-year"),
            Series("Same week last year", [w.last_year_absence_pct for w in weeks], "series--last-year"),
        ]
    else:
        series = [
            Series("This year", [w.attendance_pct for w in weeks], "series--this-year"),
            Series("Same week last year", [w.last_year_attendance_pct for w in weeks], "series--last-year"),
        ]
    series += extra or []
    y_label = "Absence %" if absence else "Attendance %"
    return line_chart(series, labels, title=title, y_label=y_label, y_max=None if absence else 100)


def _reasons_chart(reasons: list[figures.Reason], title: str) -> str:
    shown = reasons[:10]
    return bar_chart(
        [Series("Share of absence", [r.share_pct for r in shown], "series--reasons")],
        [r.code for r in shown],
        title=title,
        y_label="% of absence",
        y_max=100,
    )


def _base_context(request: HttpRequest, school: School, filters: Filters, window: Window) -> dict:
    return {
        "school": school,
        "filters": filters,
        "window": window,
        "last_window": window.last_year(),
        "stylesheets": STYLESHEETS,
        "group_trends": [CHARACTERISTICS[k] for k in GROUP_TRENDS],
        "today": timezone.localdate(),
    }


# --- The school dashboard (dashboards 1 and 2: attendance and absence headlines) ----------------------------------


@member_required
@require_GET
def school_dashboard(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    # The whole school's page: only its dates narrow it (groups and years have their own views).
    filters = Filters.from_request(request, school=school).with_changes(year="", group=None, characteristic=None)
    window = Window(*filters.window())
    this, last = figures.breakdown(school, window), figures.breakdown(school, window.last_year())
    weeks = figures.weekly(school, window)
    reasons = figures.reasons(school, window)
    comparators = comparison.comparators(school.urn, school.phase, window.year)

    everyone = _group_row(school, filters, window, this.all, last.all, national_for="")
    groups = [
        _group_row(school, filters, window, this.groups[k], last.groups[k], national_for=k, characteristic=k)
        for k in figures.KEY_GROUPS
        if this.groups[k].pupils or last.groups[k].pupils
    ]
    last_years = {f.key: f for f in last.years}
    years = [
        replace(
            _group_row(school, filters, window, f, last_years.get(f.key, GroupFigures(f.key, f.label)), year=year),
            dashboard_url=reverse("dashboards:year_dashboard", args=[school.pk, year]) + filters.query_string(),
        )
        for f in this.years
        if (year := f.key.removeprefix("year:")) in YEAR_GROUPS
    ]
    tables = {
        "groups": lambda: _group_table([everyone, *groups]),
        "years": lambda: _group_table(years),
        "weeks": lambda: _weeks_table(weeks),
        "reasons": lambda: _reasons_table(reasons),
        "national": lambda: _national_table(comparators),
    }

    def page() -> HttpResponse:
        context = {
            **_base_context(request, school, filters, window),
            "everyone": everyone,
            "groups_with_all": [everyone, *groups],
            "years": years,
            "weeks": weeks,
            "reasons": reasons,
            "comparators": comparators,
            "comparison_rows": _comparison_rows(this.all, comparators),
            "national_absence": comparators.national.get(comparison.OVERALL_ABSENCE),
            "local_absence": comparators.local.get(comparison.OVERALL_ABSENCE),
            "trend_chart": _attendance_chart(weeks, f"Attendance by week, {window.year_label} against last year"),
            "reasons_chart": _reasons_chart(reasons, "Reasons for absence: share of absent sessions by code"),
            "exports": _exports(request, tables),
        }
        return render(request, "dashboards/school/school.html", context)

    return _download_or_page(request, tables, f"school-{school.urn}", page)


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    ours: object  # the school's percentage, or None
    figure: comparison.Figure


MEASURE_OF = {
    comparison.OVERALL_ABSENCE: "absence_pct",
    comparison.AUTHORISED_ABSENCE: "authorised_pct",
    comparison.UNAUTHORISED_ABSENCE: "unauthorised_pct",
    comparison.PERSISTENT_ABSENCE: "persistent_pct",
    comparison.SEVERE_ABSENCE: "severe_pct",
}


def _comparison_rows(everyone: GroupFigures, comparators: comparison.Comparators) -> list[ComparisonRow]:
    """Each comparator beside the school's own figure for the same measure, national first, then local."""
    rows = []
    for area, found in (("", comparators.national), (" (local)", comparators.local)):
        for measure, figure in found.items():
            label = comparison.MEASURES[measure] + area
            rows.append(ComparisonRow(label, getattr(everyone, MEASURE_OF[measure]), figure))
    return rows


def _national_table(comparators: comparison.Comparators) -> Table:
    headers = ["Area", "Measure", "Value %", "Schools", "Academic year", "Period", "Source", "Link"]
    rows = [
        [f.area_name, comparison.MEASURES[f.measure], f.value, f.phase, f.year_label, f.period, f.source, f.url]
        for f in (*comparators.national.values(), *comparators.local.values())
    ]
    return headers, rows


# --- Group trends (dashboards 3-6) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    """A pupil in a list: their figures over the list's window, that day's codes for a day's list, and their level
    (SA, PA, at risk) over the year to date where the list covers a shorter window, since one day says nothing of
    a pupil's risk."""

    line: figures.PupilLine
    am: str = ""
    pm: str = ""
    year_level: str | None = None

    @property
    def level(self) -> str:
        return self.line.level if self.year_level is None else self.year_level


LEVEL_LABELS = {figures.SEVERE: "Severe absence", figures.PERSISTENT: "Persistent absence", figures.AT_RISK: "At risk"}


def _with_year_levels(
    school: School, lines: list[figures.PupilLine], up_to: dt.date, codes: dict | None = None
) -> list[ListRow]:
    """The lines of a day's or a week's list, each with the pupil's level over its academic year to date (to today,
    or to the end of that year for a day in an earlier one): one query."""
    ids = [line.pupil_id for line in lines]
    pupils = Pupil.objects.for_trust(school.trust).filter(pk__in=ids)
    today = timezone.localdate()
    year = Window(
        *year_to_date(
            today if academic_year(up_to) == academic_year(today) else dt.date(academic_year(up_to) + 1, 7, 31)
        )
    )
    levels = {line.pupil_id: line.level for line in figures.pupil_lines(school, year, pupils)} if ids else {}
    codes = codes or {}
    return [
        ListRow(
            line,
            codes[line.pupil_id].am if line.pupil_id in codes else "",
            codes[line.pupil_id].pm if line.pupil_id in codes else "",
            levels.get(line.pupil_id, ""),
        )
        for line in lines
    ]


@member_required
@require_GET
def school_group(request: HttpRequest, school_id: int, characteristic: str) -> HttpResponse:
    """One group of pupils (FSM, PP, SEND, EAL, a gender): absence by week against last year and against all pupils,
    and who in the group was absent on a chosen day or week."""
    school = _school(request, school_id)
    if characteristic not in CHARACTERISTICS:
        raise Http404("No such group of pupils")
    group = CHARACTERISTICS[characteristic]
    filters = Filters.from_request(request, school=school, characteristic=characteristic).with_changes(
        year="", group=None
    )
    window = Window(*filters.window())
    cohort = _cohort(school).filter(group.q())
    weeks = figures.weekly(school, window, cohort)
    everyone = {w.week: w for w in figures.weekly(school, window)}
    this, last = figures.breakdown(school, window, cohort), figures.breakdown(school, window.last_year(), cohort)
    row = _group_row(school, filters, window, this.all, last.all, national_for=characteristic)
    day, week = _chosen_day(request, "day"), _chosen_day(request, "week")
    week = week_of(week) if week else None
    absent = _absent_pupils(school, filters, window, day, week)

    tables = {
        "weeks": lambda: _group_weeks_table(weeks, everyone),
        "absent": lambda: _absent_table(absent),
    }

    def page() -> HttpResponse:
        all_pupils = Series("All pupils this year", [_pct(everyone.get(w.week)) for w in weeks], "series--all")
        context = {
            **_base_context(request, school, filters, window),
            "group": group,
            "row": row,
            "weeks": [(w, everyone.get(w.week)) for w in weeks],
            "chart": _attendance_chart(
                weeks, f"Absence by week: {group.label} pupils against last year", absence=True, extra=[all_pupils]
            ),
            "day": day,
            "week": week,
            "absent": absent,
            "exports": _exports(request, tables),
        }
        return render(request, "dashboards/school/group.html", context)

    return _download_or_page(request, tables, f"school-{school.urn}-{characteristic}", page)


def _pct(week: figures.WeekFigures | None):
    return week.absence_pct if week else None


def _chosen_day(request: HttpRequest, name: str) -> dt.date | None:
    value = request.GET.get(name, "")
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _absent_pupils(
    school: School, filters: Filters, window: Window, day: dt.date | None, week: dt.date | None
) -> list[ListRow] | None:
    """The group's pupils (those the user may see) absent on `day`, or in the week of `week`; None when neither."""
    if day is not None:
        lines = figures.pupil_lines(school, Window(day, day), filters.pupils(), figures.ABSENT)
        codes = figures.day_codes(school, day, [line.pupil_id for line in lines])
        return _with_year_levels(school, lines, day, codes)
    if week is not None:
        friday = week + dt.timedelta(days=4)
        lines = figures.pupil_lines(school, Window(week, friday), filters.pupils(), figures.ABSENT)
        return _with_year_levels(school, lines, friday)
    return None


def _group_weeks_table(weeks: list[figures.WeekFigures], everyone: dict) -> Table:
    headers, rows = _weeks_table(weeks)
    headers = [*headers, "All pupils absence %"]
    return headers, [[*row, _pct(everyone.get(w.week))] for row, w in zip(rows, weeks, strict=True)]


def _absent_table(absent: list[ListRow] | None) -> Table:
    headers = ["UPN", "Name", "Year", "Group", "AM", "PM", "Possible sessions", "Absent sessions", "Unauthorised"]
    rows = [
        [
            a.line.upn,
            a.line.name,
            a.line.year_group,
            a.line.group,
            a.am,
            a.pm,
            a.line.counts.possible,
            a.line.counts.absent,
            a.line.counts.unauthorised,
        ]
        for a in absent or []
    ]
    return [*headers, "Level (year to date)"], [
        [*row, LEVEL_LABELS.get(a.level, "")] for row, a in zip(rows, absent or [], strict=True)
    ]


# --- Day and week trends (dashboard 7) ---------------------------------------------------------------------------


@member_required
@require_GET
def school_trends(request: HttpRequest, school_id: int) -> HttpResponse:
    """Attendance by week (each expandable to year groups) and by weekday, RAG-coloured week on week, with the
    lowest weeks and days flagged "at risk"."""
    school = _school(request, school_id)
    filters = Filters.from_request(request, school=school)
    window = Window(*filters.window())
    trends = figures.day_trends(school, window, year_group=filters.year or None)
    tables = {
        "weeks": lambda: _rates_table(trends.weeks, "Week beginning", last_year=True),
        "weekdays": lambda: _rates_table(trends.weekdays, "Weekday"),
        "days": lambda: _rates_table(trends.days, "Day"),
        "year_groups": lambda: _week_years_table(trends),
    }

    def page() -> HttpResponse:
        weeks = trends.weeks
        context = {
            **_base_context(request, school, filters, window),
            "trends": trends,
            "weeks": [(w, trends.week_years.get(w.key, [])) for w in weeks],
            "at_risk_days": [d for d in trends.days if d.at_risk],
            "year_choices": YEAR_GROUPS,
            "week_chart": line_chart(
                [
                    Series("This year", [w.attendance_pct for w in weeks], "series--this-year"),
                    Series("Same week last year", [w.last_year_pct for w in weeks], "series--last-year"),
                ],
                [f"{w.key:%-d %b}" for w in weeks],
                title="Attendance by week against the same week last year",
                y_label="Attendance %",
                y_max=100,
            ),
            "weekday_chart": bar_chart(
                [Series("Attendance", [d.attendance_pct for d in trends.weekdays], "series--weekday")],
                [d.label for d in trends.weekdays],
                title="Attendance by weekday",
                y_label="Attendance %",
                y_min=_floor(trends.weekdays),
                y_max=100,
            ),
            "exports": _exports(request, tables),
        }
        return render(request, "dashboards/school/trends.html", context)

    return _download_or_page(request, tables, f"school-{school.urn}-trends", page)


def _floor(rates: list[figures.Rate]) -> int:
    """A bar chart's floor a little under the lowest rate, so that weekday differences are visible (and labelled)."""
    values = [r.attendance_pct for r in rates if r.attendance_pct is not None]
    return max(0, int(min(values)) - 5) if values else 0


def _rates_table(rates: list[figures.Rate], first: str, *, last_year: bool = False) -> Table:
    headers = [first, "Possible sessions", "Attended sessions", "Attendance %", "Change on the one before", "At risk"]
    if last_year:
        headers.append("Same week last year: attendance %")
    rows = []
    for r in rates:
        row = [r.key if r.key is not None and not isinstance(r.key, int) else r.label, r.possible, r.attended]
        row += [r.attendance_pct, figures.RAG_LABELS.get(r.rag, ""), "At risk" if r.at_risk else ""]
        if last_year:
            row.append(r.last_year_pct)
        rows.append(row)
    return headers, rows


def _week_years_table(trends: figures.DayTrends) -> Table:
    headers = ["Week beginning", "Year group", "Possible sessions", "Attended sessions", "Attendance %", "Change"]
    rows = [
        [week, r.key, r.possible, r.attended, r.attendance_pct, figures.RAG_LABELS.get(r.rag, "")]
        for week, rates in sorted(trends.week_years.items())
        for r in rates
    ]
    return headers, rows


# --- Year-group and tutor-group dashboards (dashboard 9) ---------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    """A year group's or tutor group's dashboard: this week, last week and year to date, key groups, PA and SA, the
    pupils colour-coded by risk, and reasons for absence."""

    title: str
    this_week: SessionCounts | None
    last_week: SessionCounts | None
    this_week_start: dt.date
    last_week_start: dt.date
    everyone: GroupRow
    groups: list[GroupRow]
    pupils: list[figures.PupilLine]
    reasons: list[figures.Reason]
    weeks: list[figures.WeekFigures] = field(default_factory=list)


def _cohort_dashboard(
    request: HttpRequest,
    school: School,
    filters: Filters,
    cohort: QuerySet,
    title: str,
    reasons: Callable[[Window], list[figures.Reason]],
    filename: str,
    groups_in_year: QuerySet | None = None,
    headroom: list[tuple[Pupil, Headroom]] | None = None,
    **narrowing: object,
) -> HttpResponse:
    window = Window(*filters.window())
    this, last = figures.breakdown(school, window, cohort), figures.breakdown(school, window.last_year(), cohort)
    weeks = figures.weekly(school, window, cohort)
    by_week = {w.week: w.counts for w in weeks}
    monday = week_of(window.end)
    everyone = _group_row(school, filters, window, this.all, last.all, national_for="", **narrowing)
    groups = [
        _group_row(school, filters, window, this.groups[k], last.groups[k], characteristic=k, **narrowing)
        for k in figures.KEY_GROUPS
        if this.groups[k].pupils
    ]
    data = Cohort(
        title=title,
        this_week=by_week.get(monday),
        last_week=by_week.get(monday - dt.timedelta(days=7)),
        this_week_start=monday,
        last_week_start=monday - dt.timedelta(days=7),
        everyone=everyone,
        groups=groups,
        pupils=[ListRow(line) for line in figures.pupil_lines(school, window, filters.pupils())],
        reasons=reasons(window),
        weeks=weeks,
    )
    tables = {
        "pupils": lambda: _pupils_table(data.pupils),
        "groups": lambda: _group_table([everyone, *groups]),
        "weeks": lambda: _weeks_table(weeks),
        "reasons": lambda: _reasons_table(data.reasons),
    }

    def page() -> HttpResponse:
        context = {
            **_base_context(request, school, filters, window),
            "cohort": data,
            "groups_with_all": [everyone, *groups],
            "week_rag": figures.rag(
                data.this_week.attendance_pct if data.this_week else None,
                data.last_week.attendance_pct if data.last_week else None,
            ),
            "trend_chart": _attendance_chart(weeks, f"{title}: attendance by week against last year"),
            "reasons_chart": _reasons_chart(data.reasons, f"{title}: reasons for absence by code"),
            "exports": _exports(request, tables),
            "pupils_url": _pupils_url(school, filters, window),
            "groups_in_year": list(groups_in_year) if groups_in_year is not None else [],
            "headroom": headroom,
        }
        if headroom is not None:
            context["stylesheets"] = [*context["stylesheets"], "dashboards/daily.css"]
        return render(request, "dashboards/school/cohort.html", context)

    return _download_or_page(request, tables, filename, page)


@member_required
@require_GET
def year_dashboard(request: HttpRequest, school_id: int, year: str) -> HttpResponse:
    school = _school(request, school_id)
    if year not in YEAR_GROUPS:
        raise Http404("No such year group")
    filters = Filters.from_request(request, school=school, year=year)
    return _cohort_dashboard(
        request,
        school,
        filters,
        _cohort(school, year_group=year),
        f"Year {year}",
        lambda window: figures.reasons(school, window, year_group=year),
        f"school-{school.urn}-year-{year}",
        groups_in_year=RegistrationGroup.objects.for_trust(school.trust).filter(school=school, year_group=year),
    )


@member_required
@require_GET
def group_dashboard(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _tutor_group(request, group_id)
    school = group.school
    filters = Filters.from_request(request, school=school)
    # The group narrows the pupil list too, but lives in the path: it is carried into links as a filter.
    filters = filters.with_changes(group=group)
    cohort = _cohort(school, group=group)
    return _cohort_dashboard(
        request,
        school,
        filters,
        cohort,
        f"Group {group.name}",
        lambda window: figures.reasons_for_pupils(school, window, cohort),
        f"school-{school.urn}-group-{group.name}",
        headroom=_headroom(school, filters.pupils()),
    )


def _headroom(school: School, pupils: QuerySet) -> list[tuple[Pupil, Headroom]]:
    """The tutor's view of how much more absence each pupil can afford this year, the least headroom first."""
    today = timezone.localdate()
    in_group = list(pupils.order_by("legal_surname", "legal_forename"))
    by_pupil = headroom_for_pupils(school, in_group, today)
    return sorted(((p, by_pupil[p.pk]) for p in in_group), key=lambda item: item[1].sort_key)


# --- The pupil list behind every number --------------------------------------------------------------------------

PUPIL_HEADERS = [
    "UPN",
    "Name",
    "Year",
    "Group",
    "Possible sessions",
    "Attended sessions",
    "Attendance %",
    "Days absent",
    "Unauthorised sessions",
    "Late sessions",
    "Level",
]


def _pupils_table(rows: list[ListRow]) -> Table:
    return PUPIL_HEADERS, [
        [
            row.line.upn,
            row.line.name,
            row.line.year_group,
            row.line.group,
            row.line.counts.possible,
            row.line.counts.attended,
            row.line.counts.attendance_pct,
            row.line.counts.days_absent,
            row.line.counts.unauthorised,
            row.line.counts.late,
            LEVEL_LABELS.get(row.level, ""),
        ]
        for row in rows
    ]


@member_required
@require_GET
def school_pupils(request: HttpRequest, school_id: int) -> HttpResponse:
    """The pupils behind a number: ?measure=pa|sa|at_risk|absent|authorised|unauthorised|late|full|all with the
    dashboards' filters (year, group, characteristic, start, end, or day= for one day's marks)."""
    school = _school_or_tutor(request, school_id)
    filters = Filters.from_request(request, school=school)
    window = Window(*filters.window())
    measure = request.GET.get("measure", figures.ALL)
    if measure not in figures.MEASURES:
        measure = figures.ALL
    day = _chosen_day(request, "day")
    if day is not None:
        window = Window(day, day)
    lines = figures.pupil_lines(school, window, filters.pupils(), measure)
    rows = _with_year_levels(school, lines, day) if day is not None else [ListRow(line) for line in lines]
    fmt = requested_format(request)
    if fmt is not None:
        headers, table = _pupils_table(rows)
        return table_response(request, filename=f"pupils-{school.urn}-{measure}", headers=headers, rows=table, fmt=fmt)
    page = Paginator(rows, PUPILS_PER_PAGE).get_page(request.GET.get("page"))
    hidden = 0
    if school.pk in request.access.school_ids:
        # Pupils counted in the school's figures whom the user may no longer open: those who left in an earlier year.
        everyone = figures.pupil_lines(school, window, _filtered_cohort(school, filters), measure)
        hidden = len(everyone) - page.paginator.count
    context = {
        **_base_context(request, school, filters, window),
        "measure": measure,
        "measure_label": figures.MEASURES[measure][0],
        "measures": {k: v[0] for k, v in figures.MEASURES.items()},
        "day": day,
        "page": page,
        "lines": page.object_list,
        "hidden": max(hidden, 0),
        "exports": {"pupils": export_links(request)},
        "page_query": filters.query_string(measure=measure, day=day),
        "year_choices": YEAR_GROUPS,
        "characteristics": CHARACTERISTICS.values(),
    }
    return render(request, "dashboards/school/pupils.html", context)


def _filtered_cohort(school: School, filters: Filters) -> QuerySet:
    """The pupils the filters narrow to, whoever may open them: what the school's own figures count."""
    pupils = _cohort(school)
    if filters.year:
        pupils = pupils.filter(year_group=filters.year)
    if filters.group is not None:
        pupils = pupils.filter(group=filters.group)
    if filters.characteristic is not None:
        pupils = pupils.filter(filters.characteristic.q())
    return pupils
