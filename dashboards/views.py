"""The home page: what each role comes for first, year to date."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from registers.attendance import year_to_date
from schools import queries
from schools.views import member_required


@member_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Trust leads see every school; school staff their schools; teachers who only teach see their groups."""
    access = request.access
    today = timezone.localdate()
    schools = queries.school_summaries(access, today) if access.school_ids else []
    groups = queries.tutor_group_summaries(access, today) if access.teaching_school_ids else []
    start, end = year_to_date(today)
    context = {
        "is_trust_lead": access.is_trust_lead,
        "schools": schools,
        "totals": queries.combined(schools),
        "groups": groups,
        "start": start,
        "end": end,
    }
    return render(request, "dashboards/home.html", context)
