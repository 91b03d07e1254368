"""Register pages and downloads."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from omega_attendance.spreadsheets import csv_response
from schools.models import School
from schools.tenancy import get_for_trust_or_404
from schools.views import member_required

from .attendance import school_statistics, year_to_date

EXPORT_HEADER = [
    "upn",
    "surname",
    "forename",
    "year",
    "group",
    "possible",
    "present",
    "approved_activity",
    "authorised",
    "unauthorised",
    "late",
    "attendance_pct",
    "persistent",
    "severe",
]


def _date_param(request: HttpRequest, name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET[name]) if request.GET.get(name) else default
    except ValueError as e:
        raise Http404(f"{name} is not a date") from e


@member_required
@require_GET
def attendance_csv(request: HttpRequest, school_id: int) -> HttpResponse:
    """Every pupil's figures for a school over ?from=&to= (default: the year to date), as `manage.py attendance`."""
    school = get_for_trust_or_404(School.objects, request.trust, pk=school_id)
    # Whole-school figures are for school-wide roles and trust leads; a teacher sees their groups elsewhere.
    if school.pk not in request.access.school_ids:
        raise Http404("No school here")
    start, end = year_to_date(timezone.localdate())
    start, end = _date_param(request, "from", start), _date_param(request, "to", end)
    stats = school_statistics(school, start, end)
    rows = (
        [
            row.pupil.upn,
            row.pupil.legal_surname,
            row.pupil.legal_forename,
            row.pupil.year_group,
            row.pupil.group.name if row.pupil.group else "",
            *(getattr(row.counts, f) for f in EXPORT_HEADER[5:11]),
            "" if row.counts.attendance_pct is None else row.counts.attendance_pct,
            "Y" if row.counts.persistent else "N",
            "Y" if row.counts.severe else "N",
        ]
        for row in stats.pupils
    )
    return csv_response(f"attendance-{school.urn}-{start}-to-{end}.csv", EXPORT_HEADER, rows)
