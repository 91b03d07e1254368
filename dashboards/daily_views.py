"""The daily absence view, early warning, headroom, the coding summary and reconciliation for one school.

A head, attendance lead, officer or DSL sees their school's pupils and a trust lead every school's; a teacher sees the
pupils of the groups they tutor on the pages about pupils (today, early warning, headroom). The coding summary and
reconciliation count the whole school, so they are for school-wide roles only. A school outside the user's scope, or
another trust's, is 404. Every table downloads as CSV or XLSX through the same URL with `format=` added.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from registers import codes as C
from registers.statistics import SessionCounts
from schools.models import Pupil, School, SchoolDay
from schools.queries import groups_visible_to
from schools.tenancy import get_for_trust_or_404
from schools.views import member_required

from . import daily, export
from . import headroom as H
from .charts import Series, bar_chart
from .filters import CHARACTERISTICS, YEAR_GROUPS, Filters


def _school(request: HttpRequest, school_id: int, *, whole_school: bool = False) -> School:
    """The school if the user sees its pupils (every pupil with `whole_school`), else 404."""
    school = get_for_trust_or_404(School.objects.select_related("trust"), request.trust, pk=school_id)
    allowed = request.access.school_ids if whole_school else request.access.all_school_ids
    if school.pk not in allowed:
        raise Http404("No such school")
    return school


def _scope(request: HttpRequest, school: School) -> tuple[Filters, QuerySet]:
    """The URL's filters with the school fixed by the path, and the pupils they leave the user (any school's roll:
    each page narrows to the school's roll on its own day)."""
    filters = Filters.from_request(request, school=school)
    return filters, filters.with_changes(school=None).pupils()


def _context(request: HttpRequest, school: School, filters: Filters, page: str, **extra) -> dict:
    """What every page of the area shows: the school, the filters and their choices, and the download links."""
    return {
        "school": school,
        "filters": filters,
        "page": page,
        "whole_school": school.pk in request.access.school_ids,
        "exports": export.export_links(request),
        "year_groups": YEAR_GROUPS,
        "groups": groups_visible_to(request.access).filter(school=school),
        "characteristics": list(CHARACTERISTICS.items()),
        **extra,
    }


def _url(request: HttpRequest, **changes: object) -> str:
    """This page's URL with its parameters, `changes` applied (None or "" removes one), never a download's."""
    query = request.GET.copy()
    for name in ("format", "table", "page"):
        query.pop(name, None)
    for name, value in changes.items():
        if value is None or value == "":
            query.pop(name, None)
        else:
            query[name] = str(value)
    return f"{request.path}?{query.urlencode()}" if query else request.path


# Every download of this module names its pupils with the same five columns, first or after the row's own key.
PUPIL_HEADERS = ["Year", "Group", "UPN", "Surname", "Forename"]


def _pupil_cells(pupil: Pupil) -> list:
    group = pupil.group.name if pupil.group else ""
    return [pupil.year_group, group, pupil.upn, pupil.legal_surname, pupil.legal_forename]


def _pct(value) -> float | None:
    return float(value) if value is not None else None


def _date_param(request: HttpRequest, name: str, default: dt.date, errors: list[str]) -> dt.date:
    value = request.GET.get(name, "")
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(f"“{value}” is not a date (use YYYY-MM-DD), so {default:%-d %B %Y} is shown.")
        return default


# --- The daily absence view -----------------------------------------------------------------------------------------


def _school_day_beside(school: School, day: dt.date, later: bool) -> dt.date | None:
    days = SchoolDay.objects.for_trust(school.trust).filter(school=school)
    days = days.filter(date__gt=day).order_by("date") if later else days.filter(date__lt=day).order_by("-date")
    return days.values_list("date", flat=True).first()


# The counts table's columns, with headings short enough for a tablet; each cell's link reads the long label.
DAY_COLUMNS = {
    daily.ABSENT: "Absent (AM or PM)",
    daily.AM: "Absent AM",
    daily.PM: "Absent PM",
    daily.BOTH: "Absent all day",
    daily.CONVERTED: "Absent AM, in by PM",
    daily.NO_AM: "No AM mark yet",
    daily.NO_PM: "No PM mark yet",
}


@member_required
@require_GET
def absent_today(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    filters, pupils = _scope(request, school)
    errors = list(filters.errors)
    today = timezone.localdate()
    day = _date_param(request, "date", today, errors)
    show = request.GET.get("show", daily.ABSENT)
    if show not in daily.SHOW:
        errors.append("That list is not one this page knows, so the absent pupils are shown.")
        show = daily.ABSENT
    show_year = request.GET.get("show_year", "")
    view = daily.day_view(school, pupils, day, show, show_year)
    if fmt := export.requested_format(request):
        return export.table_response(
            request,
            filename=f"absent-{school.urn}-{day.isoformat()}-{show}",
            headers=[
                *PUPIL_HEADERS,
                "AM",
                "PM",
                "Pattern",
                "Risk",
                "Attendance %",
                "Reasons",
            ],
            rows=(
                [
                    *_pupil_cells(r.pupil),
                    r.am or "",
                    r.pm or "",
                    r.shown_as,
                    r.risk.tier.label,
                    _pct(r.counts.attendance_pct),
                    "; ".join(r.risk.reasons),
                ]
                for r in view.rows
            ),
            fmt=fmt,
        )

    def cells(group: daily.YearGroupDay) -> list[tuple[str, int, str]]:
        return [
            (key, daily.SHOW[key], group.counts[key], _url(request, show=key, show_year=group.year_group) + "#pupils")
            for key in DAY_COLUMNS
        ]

    previous_day = _school_day_beside(school, day, later=False)
    next_day = _school_day_beside(school, day, later=True)
    context = _context(
        request,
        school,
        filters,
        "today",
        view=view,
        day=day,
        today=today,
        errors=errors,
        show_label=daily.SHOW[view.show],
        all_absent_url=_url(request, show=None, show_year=None) + "#pupils",
        columns=list(DAY_COLUMNS.items()),
        year_rows=[(group, cells(group)) for group in view.year_groups],
        total_cells=cells(view.totals),
        previous_url=_url(request, date=previous_day, show_year=None) if previous_day else "",
        next_url=_url(request, date=next_day, show_year=None) if next_day else "",
        today_url=_url(request, date=None, show_year=None),
        previous_day=previous_day,
        next_day=next_day,
        can_follow_up=school.pk in request.access.office_school_ids and day == today,
    )
    return render(request, "dashboards/daily/today.html", context)


# --- Early warning --------------------------------------------------------------------------------------------------

WARNING_TABLES = {
    "first_weeks": "Absent in the first two weeks",
    "last_year": "Persistently absent last year",
    "on_course": "On course to become persistently absent",
}


@member_required
@require_GET
def early_warning(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    filters, pupils = _scope(request, school)
    today = timezone.localdate()
    warning = daily.early_warning(school, pupils, today)
    if fmt := export.requested_format(request):
        table = export.requested_table(request, "first_weeks")
        if table not in WARNING_TABLES:
            raise Http404("No such table")
        return _warning_download(request, school, warning, table, fmt)
    context = _context(
        request,
        school,
        filters,
        "early_warning",
        warning=warning,
        today=today,
        errors=filters.errors,
        recent_weeks=H.RECENT_WEEKS,
        exports={table: export.export_links(request, table=table) for table in WARNING_TABLES},
    )
    return render(request, "dashboards/daily/early_warning.html", context)


def _warning_download(request, school, warning: daily.EarlyWarning, table: str, fmt: str) -> HttpResponse:
    head = PUPIL_HEADERS
    year = ["Possible this year", "Absent this year", "Attendance % this year"]

    def pupil(row):
        return _pupil_cells(row.pupil)

    def this_year(row):
        return [row.year.possible, row.year.absent, _pct(row.year.attendance_pct)]

    if table == "first_weeks":
        headers = [*head, "Possible in the first weeks", "Absent", "Unauthorised", *year]
        rows = [
            [*pupil(r), r.counts.possible, r.counts.absent, r.counts.unauthorised, *this_year(r)]
            for r in warning.absent_early
        ]
    elif table == "last_year":
        headers = [*head, "Possible last year", "Absent last year", "Attendance % last year", "Severe last year", *year]
        rows = [
            [
                *pupil(r),
                r.counts.possible,
                r.counts.absent,
                _pct(r.counts.attendance_pct),
                r.counts.severe,
                *this_year(r),
            ]
            for r in warning.persistent_last_year
        ]
    else:
        headers = [
            *head,
            "Possible in the 4 weeks before this one",
            "Absent in the 4 weeks before this one",
            *year,
            "Projected absence % at year end",
        ]
        rows = [
            [*pupil(r), r.counts.possible, r.counts.absent, *this_year(r), _pct(r.projection.projected_pct)]
            for r in warning.on_course
        ]
    return export.table_response(
        request, filename=f"early-warning-{school.urn}-{table}", headers=headers, rows=rows, fmt=fmt
    )


# --- Headroom -------------------------------------------------------------------------------------------------------


def _headroom_cells(h: H.Headroom) -> list:
    return [
        h.counts.possible,
        h.counts.absent,
        _pct(h.counts.attendance_pct),
        h.persistent.sessions,
        h.persistent.certain,
        h.severe.sessions,
        h.severe.certain,
        h.penalty.count if h.penalty is not None else None,
        h.penalty_sessions,
    ]


# The least headroom comes first, so the first page is the one to act on; the download has every pupil.
HEADROOM_PER_PAGE = 100


@member_required
@require_GET
def headroom(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    filters, pupils = _scope(request, school)
    today = timezone.localdate()
    listing = daily.headroom_list(school, pupils, today)
    if fmt := export.requested_format(request):
        return export.table_response(
            request,
            filename=f"headroom-{school.urn}-{today.isoformat()}",
            headers=[
                *PUPIL_HEADERS,
                "Possible so far",
                "Absent so far",
                "Attendance %",
                "Sessions to spare before PA",
                "PA certain by year end",
                "Sessions to spare before SA",
                "SA certain by year end",
                "G/N/O/U sessions in the penalty window",
                "Sessions to the penalty threshold",
            ],
            rows=(
                [
                    *_pupil_cells(r.pupil),
                    *_headroom_cells(r.headroom),
                ]
                for r in listing.rows
            ),
            fmt=fmt,
        )
    page = Paginator(listing.rows, HEADROOM_PER_PAGE).get_page(request.GET.get("page"))
    context = _context(
        request,
        school,
        filters,
        "headroom",
        listing=listing,
        page_rows=page,
        previous_url=_url(request, page=page.previous_page_number()) if page.has_previous() else "",
        next_url=_url(request, page=page.next_page_number()) if page.has_next() else "",
        today=today,
        errors=filters.errors,
    )
    return render(request, "dashboards/daily/headroom.html", context)


@member_required
@require_GET
@vary_on_headers("HX-Request")
def pupil_headroom(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """One pupil's headroom at the school they are on roll at today: the panel on the pupil page (loaded by htmx),
    or a page of its own without script."""
    pupil = get_for_trust_or_404(Pupil.objects.visible_to(request.access), request.trust, pk=pupil_id)
    today = timezone.localdate()
    school = daily.current_school(pupil, today)
    figures = daily.headroom_for_pupils(school, [pupil], today)[pupil.pk] if school is not None else None
    context = {"pupil": pupil, "school": school, "headroom": figures, "today": today}
    if request.htmx:
        return render(request, "dashboards/daily/_headroom_panel.html", context)
    return render(request, "dashboards/daily/pupil_headroom.html", context)


# --- The coding summary --------------------------------------------------------------------------------------------


# Present marks are most of any register: the chart of codes leaves them out so the other bars can be read.
PLAIN_PRESENT = ("/", "\\")
CHART_CODES = 12


@member_required
@require_GET
def coding(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id, whole_school=True)
    filters, pupils = _scope(request, school)
    errors = list(filters.errors)
    today = timezone.localdate()
    start, end = filters.window(today)
    summary = daily.coding_summary(school, start, end, filters.year, today)
    code = request.GET.get("code", "")
    if code and code not in C.BY_CODE:
        errors.append(f"“{code}” is not a register code, so no pupils are listed.")
        code = ""
    day = None
    if wanted_day := request.GET.get("day", ""):
        try:
            day = dt.date.fromisoformat(wanted_day)
        except ValueError:
            errors.append(f"“{wanted_day}” is not a date (use YYYY-MM-DD), so the whole window is listed.")
    overdue = request.GET.get("overdue") == "1" and code == "N" and summary.open_n.cutoff is not None
    marks, coded = [], []
    if code and day:
        marks = daily.coded_marks(school, pupils, day, code)
    elif code:
        coded = daily.coded_pupils(school, pupils, start, summary.open_n.cutoff if overdue else end, code)

    if fmt := export.requested_format(request):
        return _coding_download(request, school, summary, code, day, marks, coded, fmt)
    chart = None
    if shown := [c for c in summary.codes if c.code not in PLAIN_PRESENT][:CHART_CODES]:
        chart = bar_chart(
            [Series("Share of all marks", [c.share for c in shown])],
            [c.code for c in shown],
            title=f"Share of all marks by code other than / and \\, {start:%-d %b %Y} to {end:%-d %b %Y}",
            y_label="% of all marks",
        )

    def code_link(code: str, **more: object) -> str:
        return _url(request, **{"code": code, "day": None, "overdue": None, **more}) + "#pupils"

    context = _context(
        request,
        school,
        filters,
        "coding",
        summary=summary,
        start=start,
        end=end,
        today=today,
        errors=errors,
        stats=[
            ("N: no reason yet", summary.open_n.open, code_link("N")),
            (
                f"N past the {school.reason_deadline_days}-school-day limit",
                summary.open_n.overdue,
                code_link("N", overdue=1),
            ),
            ("L: late before registers closed", summary.sessions_of("L"), code_link("L")),
            ("U: late after registers closed", summary.sessions_of("U"), code_link("U")),
            ("B: other approved activity", summary.sessions_of("B"), code_link("B")),
            ("D: dual registered", summary.sessions_of("D"), code_link("D")),
        ],
        checks=_coding_checks(school, summary),
        code_rows=[(c, code_link(c.code)) for c in summary.codes],
        day_rows=[
            (d, [(c, d.by_code[c], code_link(c, day=d.date.isoformat())) for c in daily.CHECKED_CODES])
            for d in summary.days
        ],
        code=code,
        code_meaning=C.BY_CODE[code].meaning if code else "",
        day=day,
        overdue=overdue,
        marks=marks,
        coded=coded,
        chart=chart,
        checked_codes=daily.CHECKED_CODES,
        exports={table: export.export_links(request, table=table) for table in ("codes", "days", "pupils")},
    )
    return render(request, "dashboards/daily/coding.html", context)


def _coding_checks(school: School, summary: daily.CodingSummary) -> list[str]:
    """What a register check should look at in this window, in words; empty when nothing stands out."""
    checks = []
    if summary.open_n.overdue:
        checks.append(
            f"{summary.open_n.overdue} N session{'s are' if summary.open_n.overdue != 1 else ' is'} past the school's "
            f"limit of {school.reason_deadline_days} school days (N dated up to "
            f"{summary.open_n.cutoff:%-d %B}): each needs its reason, or becomes O overnight unless a parent's report "
            "is waiting for the office."
        )
    if b := summary.sessions_of("B"):
        checks.append(
            f"B (any other approved educational activity) was used for {b} session{'s' if b != 1 else ''} "
            f"({summary.share_of('B')}% of marks): it counts as attendance, so each needs approved, supervised "
            "education off site."
        )
    if d := summary.sessions_of("D"):
        checks.append(
            f"D (dual registered) was used for {d} session{'s' if d != 1 else ''}: only for a pupil registered at "
            "another school and attending it that session; it is not a possible session here."
        )
    if u := summary.sessions_of("U"):
        checks.append(
            f"U (arrived after registers closed) was used for {u} session{'s' if u != 1 else ''}: each counts as "
            "unauthorised absence and towards the penalty-notice threshold, so check the arrival times."
        )
    return checks


def _coding_download(request, school, summary, code, day, marks, coded, fmt) -> HttpResponse:
    table = export.requested_table(request, "codes")
    stem = f"coding-{school.urn}-{summary.start.isoformat()}-{summary.end.isoformat()}"
    if table == "codes":
        headers = ["Code", "Meaning", "Category", "Sessions", "% of marks"]
        rows = [
            [c.code, c.meaning, c.category.label if c.category else "", c.sessions, _pct(c.share)]
            for c in summary.codes
        ]
    elif table == "days":
        headers = [
            "Date",
            "Marks",
            "Possible",
            "Attended",
            "Attendance %",
            *_checked_code_headers(),
            "Late (L and U) %",
        ]
        rows = [
            [
                d.date,
                d.marks,
                d.possible,
                d.attended,
                _pct(d.attendance_pct),
                *(d.by_code[c] for c in daily.CHECKED_CODES),
                _pct(d.late_pct),
            ]
            for d in summary.days
        ]
    elif table == "pupils" and code and day:
        headers = ["Date", "Session", "Code", *PUPIL_HEADERS, "Note"]
        rows = [
            [
                m.date,
                m.session,
                m.code,
                *_pupil_cells(m.pupil),
                m.note,
            ]
            for m in marks
        ]
        stem = f"coding-{school.urn}-{day.isoformat()}-{code}"
    elif table == "pupils" and code:
        headers = ["Code", *PUPIL_HEADERS, "Sessions", "First", "Last"]
        rows = [
            [
                code,
                *_pupil_cells(r.pupil),
                r.sessions,
                r.first,
                r.last,
            ]
            for r in coded
        ]
        stem = f"{stem}-{code}"
    else:
        raise Http404("No such table")
    return export.table_response(request, filename=stem, headers=headers, rows=rows, fmt=fmt)


def _checked_code_headers() -> list[str]:
    return [f"{code} sessions" for code in daily.CHECKED_CODES]


# --- Reconciliation ----------------------------------------------------------------------------------------------

MEASURES = {
    "counted": "pupils with possible sessions",
    "pa": "persistently absent pupils",
    "sa": "severely absent pupils",
    "gained": "pupils persistently absent in this window but not over the year to date",
    "lost": "pupils persistently absent over the year to date but not in this window",
    "leavers": "pupils counted in the year to date who are no longer on roll",
}


def _listed(recon: daily.Reconciliation, key: str, measure: str) -> tuple[daily.Figures, set[int]] | None:
    figures, year = recon.figures(key), recon.figures(daily.YEAR)
    if figures is None or measure not in MEASURES:
        return None
    if measure == "counted":
        return figures, figures.counted
    if measure == "pa":
        return figures, figures.persistent
    if measure == "sa":
        return figures, figures.severe
    if measure == "gained":
        return figures, figures.persistent - year.persistent
    if measure == "lost":
        return figures, year.persistent - figures.persistent
    return year, recon.leavers


def _recon_links(request: HttpRequest, figures: daily.Figures, year: daily.Figures) -> dict[str, str]:
    """The pupil list behind each of a window's figures (and its differences from the year to date)."""
    key = figures.window.key
    measures = ["counted", "pa", "sa"]
    if key == daily.NAIVE:
        measures.append("leavers")
    elif key != daily.YEAR and figures.by_pupil != year.by_pupil:
        measures += ["gained", "lost"]
    return {m: _url(request, window=key, measure=m) + "#pupils" for m in measures}


@member_required
@require_GET
def reconciliation(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id, whole_school=True)
    filters, pupils = _scope(request, school)
    today = timezone.localdate()
    custom = filters.window(today) if (filters.start or filters.end) else None
    recon = daily.reconciliation(school, pupils, today, custom)
    key, measure = request.GET.get("window", ""), request.GET.get("measure", "")
    listed = _listed(recon, key, measure) if key else None
    if key and listed is None:
        raise Http404("No such list")
    rows = []
    if listed is not None:
        figures, ids = listed
        by_id = daily.pupils_by_id(school, ids)
        rows = sorted(
            ((by_id[p], figures.by_pupil.get(p, SessionCounts())) for p in ids if p in by_id),
            key=lambda r: (daily.year_group_key(r[0].year_group), r[0].legal_surname, r[0].legal_forename, r[0].pk),
        )
    if fmt := export.requested_format(request):
        table = export.requested_table(request, "summary")
        if table not in ("summary", "pupils") or (table == "pupils" and listed is None):
            raise Http404("No such table")
        if table == "pupils":
            return export.table_response(
                request,
                filename=f"reconciliation-{school.urn}-{key}-{measure}",
                headers=[
                    "Window",
                    *PUPIL_HEADERS,
                    "Possible",
                    "Attended",
                    "Absent",
                    "Attendance %",
                    "Persistent",
                    "Severe",
                ],
                rows=(
                    [
                        listed[0].window.label,
                        *_pupil_cells(p),
                        c.possible,
                        c.attended,
                        c.absent,
                        _pct(c.attendance_pct),
                        c.persistent,
                        c.severe,
                    ]
                    for p, c in rows
                ),
                fmt=fmt,
            )
        return export.table_response(
            request,
            filename=f"reconciliation-{school.urn}-{today.isoformat()}",
            headers=[
                "Window",
                "From",
                "To",
                "Population",
                "Pupils counted",
                "Possible",
                "Attended",
                "Attendance %",
                "Absence %",
                "Persistent absence",
                "Persistent absence %",
                "Severe absence",
                "Severe absence %",
                "Why it differs",
            ],
            rows=(
                [
                    f.window.label,
                    f.window.start,
                    f.window.end,
                    f.window.population,
                    len(f.counted),
                    f.totals.possible,
                    f.totals.attended,
                    _pct(f.totals.attendance_pct),
                    _pct(f.absence_pct),
                    len(f.persistent),
                    _pct(f.persistent_pct),
                    len(f.severe),
                    _pct(f.severe_pct),
                    f.explanation,
                ]
                for f in recon.rows
            ),
            fmt=fmt,
        )
    context = _context(
        request,
        school,
        filters,
        "reconciliation",
        recon=recon,
        recon_rows=[(f, _recon_links(request, f, recon.figures(daily.YEAR))) for f in recon.rows],
        today=today,
        errors=filters.errors,
        listed_key=key,
        listed_measure=measure,
        listed_label=MEASURES.get(measure, ""),
        listed_window=listed[0].window if listed else None,
        listed_rows=rows,
        exports={table: export.export_links(request, table=table) for table in ("summary", "pupils")},
    )
    return render(request, "dashboards/daily/reconciliation.html", context)
