"""The access log page, the subject-access export and the trust's retention settings.

The access log is for the trust lead (the whole trust) and headteachers (their schools and pupils); the export for
the trust lead and the headteacher or designated attendance lead of a school the pupil was enrolled at; retention
for the trust lead. Another trust's pupil, or one outside the user's schools, is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from omega_attendance.refusals import not_for_you
from omega_attendance.spreadsheets import csv_response
from schools.models import Pupil, Trust
from schools.tenancy import get_for_trust_or_404
from schools.views import member_required

from . import subject_access
from .forms import AccessLogFilterForm, RetentionForm
from .models import AccessLogEntry, Anonymisation, RetentionRun
from .permissions import may_export_pupil, may_read_log

ROWS_PER_PAGE = 50
CSV_HEADER = ["when", "user", "kind", "route", "school", "pupil_id", "pupil", "detail", "path"]


def _filtered_log(request: HttpRequest, filters: dict) -> QuerySet:
    rows = AccessLogEntry.objects.visible_to(request.access)
    if "pupil" in filters:
        rows = rows.about_pupil(filters["pupil"])
    if "user" in filters:
        rows = rows.by_user(filters["user"].pk)
    if "kind" in filters:
        rows = rows.filter(kind=filters["kind"])
    return rows.between(filters.get("start"), filters.get("end")).order_by("-at", "-pk")


@member_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    if not may_read_log(request.access):
        return not_for_you(request, "Access log", "The access log is for the trust lead and headteachers.")
    form = AccessLogFilterForm(request.GET, trust=request.trust)
    filters = form.filters()
    rows = _filtered_log(request, filters)
    if request.GET.get("format") == "csv":
        values = rows.values_list(
            "at", "user__username", "kind", "route", "school__name", "pupil_id", "pupil__legal_forename",
            "pupil__legal_surname", "detail", "path",
        )  # fmt: skip
        lines = (_csv_line(*row) for row in values.iterator())
        return csv_response(f"access-log-{timezone.localdate().isoformat()}.csv", CSV_HEADER, lines)
    page = Paginator(rows.select_related("user", "school", "pupil"), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    pupil = None
    if "pupil" in filters:
        pupil = Pupil.objects.visible_to(request.access).filter(pk=filters["pupil"]).first()
    context = {
        "form": form,
        "page": page,
        "pupil": pupil,
        "query": query.urlencode(),
        "csv_query": (query.urlencode() + "&" if query else "") + "format=csv",
    }
    return render(request, "privacy/access_log.html", context)


def _csv_line(at, user, kind, route, school, pupil_id, forename, surname, detail, path) -> list:
    pupil = f"{forename or ''} {surname or ''}".strip()
    when = timezone.localtime(at).isoformat(timespec="seconds")
    return [when, user, kind, route, school or "", pupil_id or "", pupil, detail, path]


@member_required
@require_GET
def subject_access_export(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """The ZIP of everything held on the pupil (privacy.subject_access), as a download."""
    pupil = get_for_trust_or_404(Pupil.objects.prefetch_related("enrolments"), request.trust, pk=pupil_id)
    if not may_export_pupil(request.access, pupil):
        raise Http404("No such pupil")
    content = subject_access.build_zip(pupil, requested_by=request.user.get_username())
    response = HttpResponse(content, content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="subject-access-{pupil.pk}-{stamp}.zip"'
    # Everything held on a child: never kept by a shared or browser cache.
    response["Cache-Control"] = "private, no-store"
    return response


@member_required
@require_http_methods(["GET", "POST"])
def retention_settings(request: HttpRequest) -> HttpResponse:
    if not request.access.is_trust_lead:
        return not_for_you(request, "Retention", "The retention period is set by the trust lead.")
    trust = Trust.objects.get(pk=request.trust.pk)
    form = RetentionForm(request.POST or None, instance=trust)
    if form.is_valid():
        form.save()
        years = form.cleaned_data["leaver_retention_years"]
        messages.success(request, f"Leavers' personal data will be anonymised {years} years after they leave.")
        return redirect("privacy:retention")
    runs = RetentionRun.objects.for_trust(trust).order_by("-started_at", "-pk")[:20]
    anonymised = Anonymisation.objects.for_trust(trust).count()
    context = {"form": form, "runs": runs, "anonymised": anonymised, "trust": trust}
    return render(request, "privacy/retention.html", context)
