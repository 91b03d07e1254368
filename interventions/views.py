"""The morning's follow-up pages: day-1 triage, the home-visit round, longer absences and the team's tasks.

Office staff (heads, attendance leads and officers, trust leads) record; a school's DSL may read the triage and
absence pages. Anything outside the user's schools, or another trust's, is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from schools.models import Pupil, School
from schools.views import member_required

from . import day1, day3, tasks_service
from .absence import first_follow_up_day
from .forms import REASON_LABELS, CompleteTaskForm, ContactAttemptForm, ReassignTaskForm
from .models import ContactAttempt, Task


def _schools(request: HttpRequest, school_ids: set[int]) -> QuerySet:
    return School.objects.for_trust(request.trust).filter(pk__in=school_ids).select_related("trust").order_by("name")


def _school(request: HttpRequest, school_ids: set[int]) -> School | None:
    """The school named by ?school= if it is one of `school_ids` (else 404); without one, the first of them by name,
    or None when the user has none (the caller says the page is not for them).
    """
    schools = _schools(request, school_ids)
    wanted = request.GET.get("school")
    if not wanted:
        return schools.first()
    school = schools.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if school is None:
        raise Http404("No such school")
    return school


def _school_or_404(request: HttpRequest, school_ids: set[int]) -> School:
    if (school := _school(request, school_ids)) is None:
        raise Http404("No school here")
    return school


def _not_for_you(request: HttpRequest, page: str) -> HttpResponse:
    """403: the page exists, but the user follows up absence at no school (a teacher, say)."""
    return render(request, "interventions/not_for_you.html", {"page": page}, status=403)


def _readers(request: HttpRequest) -> set[int]:
    return request.access.office_school_ids | request.access.dsl_school_ids


def _with_school(name: str, school: School) -> str:
    return f"{reverse(name)}?school={school.pk}"


def _page_context(request: HttpRequest, school: School, school_ids: set[int]) -> dict:
    """What every page of the area shows: the school, a switch to the user's other schools, and what they may do."""
    return {
        "school": school,
        "other_schools": _schools(request, school_ids) if len(school_ids) > 1 else [],
        "can_record": school.pk in request.access.office_school_ids,
        "today": timezone.localdate(),
    }


# --- Day-1 triage ---------------------------------------------------------------------------------------------------


@member_required
@require_GET
@vary_on_headers("HX-Request")
def today(request: HttpRequest) -> HttpResponse:
    school = _school(request, _readers(request))
    if school is None:
        return _not_for_you(request, "Today's absence")
    board = day1.triage_board(school, timezone.localdate())
    context = {
        **_page_context(request, school, _readers(request)),
        "board": board,
        "entries": [(row, ContactAttemptForm(pupil_id=row.pupil.pk, contacts=row.contacts)) for row in board.rows],
        "reason_labels": REASON_LABELS,
    }
    return render(request, "interventions/today.html", context)


def _next_url(request: HttpRequest) -> str | None:
    """A page of this site to go back to after a form (the home-visit list sends its own address)."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return None


@member_required
@require_http_methods(["GET", "POST"])
def record_attempt(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """Record a contact attempt for a pupil on roll today; GET is the same form on its own page (no script needed)."""
    school = _school_or_404(request, _readers(request))
    today_ = timezone.localdate()
    if not Pupil.objects.for_trust(request.trust).on_roll(school, today_).filter(pk=pupil_id).exists():
        raise Http404("No such pupil at this school today")
    if school.pk not in request.access.office_school_ids:
        raise PermissionDenied("Contact attempts are recorded by the attendance office.")
    row = day1.triage_row(school, today_, pupil_id)
    method = request.GET.get("method")
    initial = {"method": method} if method in ContactAttempt.Method.values else None
    form = ContactAttemptForm(request.POST or None, pupil_id=pupil_id, contacts=row.contacts, initial=initial)
    if form.is_valid():
        recorded = day1.record_contact_attempt(
            school=school, pupil=row.pupil, today=today_, now=timezone.now(), made_by=request.user, **form.attempt()
        )
        message = _recorded_message(recorded)
        if request.htmx:
            context = {**_recorded_context(request, school, row), "status_message": message}
            return render(request, "interventions/today.html#recorded", context)
        messages.success(request, message)
        return redirect(_next_url(request) or f"{_with_school('interventions:today', school)}#pupil-{pupil_id}")
    context = {
        **_page_context(request, school, _readers(request)),
        "row": row,
        "form": form,
        "next": _next_url(request) or _with_school("interventions:today", school),
        "reason_labels": REASON_LABELS,
    }
    if request.htmx:
        return render(request, "interventions/today.html#row", context)
    context["standalone"] = True
    return render(request, "interventions/record.html", context, status=400 if form.is_bound else 200)


def _recorded_context(request: HttpRequest, school: School, row: day1.TriageRow) -> dict:
    """The pupil's new row, or (now that the absence is explained) the row moved to "resolved today"."""
    board = day1.triage_board(school, timezone.localdate())
    still = next((r for r in board.rows if r.pupil.pk == row.pupil.pk), None)
    moved = next((r for r in board.resolved if r.pupil.pk == row.pupil.pk), None)
    return {
        **_page_context(request, school, _readers(request)),
        "board": board,
        "row": still,
        "form": ContactAttemptForm(pupil_id=row.pupil.pk, contacts=row.contacts) if still else None,
        "moved": moved,
        "reason_labels": REASON_LABELS,
    }


def _recorded_message(recorded: day1.Recorded) -> str:
    attempt = recorded.attempt
    text = f"{attempt.get_method_display()} for {attempt.pupil.display_name}: {attempt.get_outcome_display().lower()}."
    if recorded.marks_set:
        text += f" {recorded.marks_set} session{pluralize(recorded.marks_set)} now coded {attempt.code}."
    if attempt.outcome == ContactAttempt.Outcome.CONCERN:
        if recorded.notified:
            text += f" {recorded.notified} DSL{pluralize(recorded.notified)} told."
        else:
            text += " No DSL is recorded for this school: tell your safeguarding lead directly."
    return text


@member_required
@require_GET
def visits(request: HttpRequest) -> HttpResponse:
    school = _school(request, _readers(request))
    if school is None:
        return _not_for_you(request, "Home visits")
    districts = day1.visit_round(school, timezone.localdate())
    context = {
        **_page_context(request, school, _readers(request)),
        "districts": districts,
        "stops": sum(len(d.stops) for d in districts),
    }
    return render(request, "interventions/visits.html", context)


# --- Day 3 and longer ----------------------------------------------------------------------------------------------


@member_required
@require_GET
def long_absence(request: HttpRequest) -> HttpResponse:
    school = _school(request, _readers(request))
    if school is None:
        return _not_for_you(request, "Longer absences")
    context = {
        **_page_context(request, school, _readers(request)),
        "rows": day3.long_absences(school, timezone.localdate()),
        "minimum": first_follow_up_day(school.trust.policy),
        "has_calendar": school.school_days.exists(),
    }
    return render(request, "interventions/long_absence.html", context)


@member_required
@require_POST
def create_tasks(request: HttpRequest) -> HttpResponse:
    school = _school_or_404(request, request.access.office_school_ids)
    result = day3.create_follow_up_tasks(school, timezone.localdate())
    messages.success(request, f"{result}." if result.created or result.existing else "No new tasks are due today.")
    return redirect(_with_school("interventions:long_absence", school))


# --- Tasks ----------------------------------------------------------------------------------------------------------


def _task_or_404(request: HttpRequest, task_id: int) -> Task:
    try:
        return tasks_service.task_for(request.access, task_id)
    except Task.DoesNotExist as e:
        raise Http404("No such task") from e


def _task_context(request: HttpRequest, task: Task, **forms) -> dict:
    staff = tasks_service.assignable_staff(request.access, {task.school_id})
    [row] = tasks_service.task_rows([task], staff, timezone.now())
    return {
        "row": row,
        "complete_form": forms.get("complete_form") or CompleteTaskForm(task_id=task.pk),
        "reassign_form": forms.get("reassign_form")
        or ReassignTaskForm(task_id=task.pk, staff=row.staff, initial={"assignee": task.assignee_id}),
        "show_school": len(request.access.office_school_ids) > 1,
    }


@member_required
@require_GET
@vary_on_headers("HX-Request")
def tasks(request: HttpRequest) -> HttpResponse:
    if not request.access.office_school_ids:
        return _not_for_you(request, "Tasks")
    mine = request.GET.get("show") != "all"
    open_tasks = list(tasks_service.open_tasks(request.access, mine=mine))
    staff = tasks_service.assignable_staff(request.access, {t.school_id for t in open_tasks})
    rows = tasks_service.task_rows(open_tasks, staff, timezone.now())
    entries = [
        (
            row,
            CompleteTaskForm(task_id=row.task.pk),
            ReassignTaskForm(task_id=row.task.pk, staff=row.staff, initial={"assignee": row.task.assignee_id}),
        )
        for row in rows
    ]
    context = {
        "entries": entries,
        "mine": mine,
        "overdue": sum(row.overdue for row in rows),
        "show_school": len(request.access.office_school_ids) > 1,
    }
    return render(request, "interventions/tasks.html", context)


def _task_response(request: HttpRequest, task: Task, **forms) -> HttpResponse:
    """htmx: the task's card (done, or with errors). Otherwise back to the list, or the card alone with errors."""
    if request.htmx:
        return render(request, "interventions/tasks.html#task", _task_context(request, task, **forms))
    if forms:
        return render(request, "interventions/task_form.html", _task_context(request, task, **forms), status=400)
    return redirect(_next_url(request) or reverse("interventions:tasks"))


@member_required
@require_POST
def complete_task(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task_or_404(request, task_id)
    form = CompleteTaskForm(request.POST, task_id=task.pk)
    if not form.is_valid():
        return _task_response(request, task, complete_form=form)
    try:
        task = tasks_service.complete_task(
            task, by=request.user, outcome=form.cleaned_data["outcome"], now=timezone.now()
        )
    except tasks_service.TaskNotOpen as e:
        form.add_error(None, str(e))
        return _task_response(request, task, complete_form=form)
    if not request.htmx:
        messages.success(request, f"Done: {task.title} ({task.pupil.display_name}).")
    return _task_response(request, task)


@member_required
@require_POST
def reassign_task(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task_or_404(request, task_id)
    staff = tasks_service.assignable_staff(request.access, {task.school_id}).get(task.school_id, [])
    form = ReassignTaskForm(request.POST, task_id=task.pk, staff=staff)
    if not form.is_valid():
        return _task_response(request, task, reassign_form=form)
    try:
        task = tasks_service.reassign_task(task, assignee=form.chosen())
    except tasks_service.TaskNotOpen as e:
        form.add_error(None, str(e))
        return _task_response(request, task, reassign_form=form)
    if not request.htmx:
        who = (task.assignee.get_full_name() or task.assignee.get_username()) if task.assignee else "nobody"
        messages.success(request, f"{task.title} ({task.pupil.display_name}) is now with {who}.")
    return _task_response(request, task)
