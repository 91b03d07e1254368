"""The office's pages: late arrivals, absence reports and leave requests.

Each view finds the pupil (a search among the office's schools, with htmx live results), validates a form, calls one
service in registers.office and redirects. Staff who run no office get a 403 on the list pages that says so; a report
or request outside the schools whose office the user runs is a 404, another trust's included.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from schools.views import member_required

from . import office
from .models import LeaveRequest
from .office_forms import (
    AbsenceReportForm,
    LateArrivalForm,
    LeaveDecisionForm,
    LeaveRequestForm,
    PupilSearchForm,
    RejectReportForm,
)

NOT_OFFICE = (
    "The office pages are for attendance officers, attendance leads and headteachers. Ask your school's attendance "
    "lead if you need to record a late arrival, an absence report or a leave request."
)


def office_required(view):
    """Signed in, in a trust, and running the office of at least one school (else a 403 page saying so)."""

    @member_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.access.office_school_ids:
            return render(request, "registers/office/forbidden.html", {"message": NOT_OFFICE}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _pupil_step(request: HttpRequest, today) -> dict:
    """The search box, its results and the chosen pupil (from ?pupil= or the posted form; 404 outside scope)."""
    search = PupilSearchForm(request.GET)
    q = search.text()
    chosen_id = request.POST.get("pupil") or request.GET.get("pupil")
    enrolment = None
    if chosen_id and chosen_id.isdigit():
        enrolment = office.office_enrolment(request.access, int(chosen_id), today)
    return {
        "q": q,
        "results": office.find_pupils(request.access, q, today) if q and not enrolment else [],
        "enrolment": enrolment,
        "many_schools": len(request.access.office_school_ids) > 1,
    }


def _record_for_chosen_pupil(request: HttpRequest, today, form_class, record, detail: str, id_kwarg: str):
    """The pupil step, then the form for the chosen pupil; on a valid post, `record` it and go to its page.

    Returns (context with `form`, None) to render, or (None, redirect) once recorded.
    """
    context = _pupil_step(request, today)
    enrolment = context["enrolment"]
    contacts = office.pupil_contacts(enrolment) if enrolment else []
    data = request.POST if enrolment and request.method == "POST" else None
    form = form_class(data, contacts=contacts, today=today)
    context["form"] = form
    if enrolment and form.is_valid():
        try:
            made = record(
                access=request.access,
                pupil_id=enrolment.pupil_id,
                contact_id=form.cleaned_data.pop("contact"),
                recorded_by=request.user,
                today=today,
                **form.cleaned_data,
            )
        except office.OfficeError as e:
            form.add_error(None, str(e))
        else:
            return None, redirect(detail, **{id_kwarg: made.pk})
    return context, None


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """The page, or only the search results for htmx's live search."""
    if request.htmx and not request.htmx.history_restore_request and "q" in request.GET:
        return render(request, "registers/office/pupil_search.html#results", context)
    context["pending_reports"] = office.pending_report_count(request.access)
    return render(request, template, context)


@office_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def late(request: HttpRequest) -> HttpResponse:
    now = timezone.localtime()
    context = _pupil_step(request, now.date())
    enrolment = context["enrolment"]
    form = LateArrivalForm(request.POST if enrolment and request.method == "POST" else None, now=now)
    if enrolment and form.is_valid():
        try:
            result = office.record_late_arrival(
                access=request.access,
                pupil_id=enrolment.pupil_id,
                recorded_by=request.user,
                today=now.date(),
                **form.cleaned_data,
            )
        except office.OfficeError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, result.message)
            return redirect("registers:office_late")
    if enrolment:
        context["today_codes"] = office.todays_codes(enrolment, now.date())
    context.update(form=form, late_today=office.late_arrivals_today(request.access, now.date()), now=now)
    return _render(request, "registers/office/late.html", context)


@office_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def reports(request: HttpRequest) -> HttpResponse:
    context, done = _record_for_chosen_pupil(
        request,
        timezone.localdate(),
        AbsenceReportForm,
        office.record_absence_report,
        "registers:office_report",
        "report_id",
    )
    if done:
        return done
    context.update(
        pending=office.pending_reports(request.access),
        decided=office.recently_decided_reports(request.access),
    )
    return _render(request, "registers/office/reports.html", context)


def _report_page(request: HttpRequest, report, reject_form=None, status: int = 200) -> HttpResponse:
    plan = office.report_plan(report)
    context = {
        "report": report,
        "plan": plan,
        "writes": sum(p.writes for p in plan),
        "reject_form": reject_form or RejectReportForm(),
        "needs_head": report.code in office.HEAD_ONLY_CODES
        and report.school_id not in request.access.leave_decision_school_ids,
        "code_label": office.REPORT_CODES.get(report.code, ""),
        "pending_reports": office.pending_report_count(request.access),
    }
    return render(request, "registers/office/report_detail.html", context, status=status)


@member_required
@require_http_methods(["GET"])
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _report_page(request, office.office_report(request.access, report_id))


@member_required
@require_POST
def report_confirm(request: HttpRequest, report_id: int) -> HttpResponse:
    try:
        result = office.confirm_report(access=request.access, report_id=report_id, decided_by=request.user)
    except office.OfficeError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Report confirmed: marks recorded ({result}).")
    return redirect("registers:office_report", report_id=report_id)


@member_required
@require_POST
def report_reject(request: HttpRequest, report_id: int) -> HttpResponse:
    report = office.office_report(request.access, report_id)
    form = RejectReportForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, reject_form=form, status=400)
    try:
        office.reject_report(
            access=request.access, report_id=report.pk, decided_by=request.user, note=form.cleaned_data["note"]
        )
    except office.OfficeError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "Report marked as not accepted; no marks changed.")
    return redirect("registers:office_report", report_id=report.pk)


@office_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def leave(request: HttpRequest) -> HttpResponse:
    context, done = _record_for_chosen_pupil(
        request,
        timezone.localdate(),
        LeaveRequestForm,
        office.record_leave_request,
        "registers:office_leave_detail",
        "leave_id",
    )
    if done:
        return done
    context.update(requests=office.leave_requests(request.access))
    return _render(request, "registers/office/leave.html", context)


def _leave_page(request: HttpRequest, leave: LeaveRequest, form=None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    refused = leave.decision == LeaveRequest.Decision.REFUSED
    context = {
        "leave": leave,
        "can_decide": leave.school_id in request.access.leave_decision_school_ids,
        "form": form or LeaveDecisionForm(kind=leave.kind),
        "plan": office.leave_plan(leave, "G" if refused else leave.kind),
        "taken_plan": office.leave_plan(leave, "G", through=today) if refused else [],
        "started": leave.first_day <= today,
        "holiday": leave.kind == LeaveRequest.Kind.HOLIDAY,
        "holiday_refused": office.HOLIDAY_REFUSED,
        "pending_reports": office.pending_report_count(request.access),
    }
    return render(request, "registers/office/leave_detail.html", context, status=status)


@member_required
@require_http_methods(["GET"])
def leave_detail(request: HttpRequest, leave_id: int) -> HttpResponse:
    return _leave_page(request, office.office_leave(request.access, leave_id))


@member_required
@require_POST
def leave_decide(request: HttpRequest, leave_id: int) -> HttpResponse:
    leave = office.office_leave(request.access, leave_id)
    if leave.school_id not in request.access.leave_decision_school_ids:
        return render(
            request,
            "registers/office/forbidden.html",
            {"message": "Only the headteacher decides leave requests. The request waits for them."},
            status=403,
        )
    form = LeaveDecisionForm(request.POST, kind=leave.kind)
    if not form.is_valid():
        return _leave_page(request, leave, form=form, status=400)
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == form.GRANT:
            result = office.grant_leave(
                access=request.access, leave_id=leave.pk, decided_by=request.user, note=note, today=timezone.localdate()
            )
            messages.success(request, f"Leave granted: {leave.kind} recorded ({result}).")
        else:
            office.refuse_leave(access=request.access, leave_id=leave.pk, decided_by=request.user, note=note)
            messages.success(request, "Leave refused; no marks changed. If it is taken all the same, record that here.")
    except office.OfficeError as e:
        messages.error(request, str(e))
    return redirect("registers:office_leave_detail", leave_id=leave.pk)


@member_required
@require_POST
def leave_taken(request: HttpRequest, leave_id: int) -> HttpResponse:
    try:
        result = office.record_leave_taken(
            access=request.access, leave_id=leave_id, recorded_by=request.user, today=timezone.localdate()
        )
    except office.OfficeError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Recorded as taken when refused (G): {result}.")
    return redirect("registers:office_leave_detail", leave_id=leave_id)
