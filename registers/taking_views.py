"""Register-taking pages: "my registers", one group's register, and the office's missing registers with reminders.

Each view resolves (404 outside the trust or for someone who may not take the register), validates with a form,
calls one function of registers.taking, then renders or redirects. htmx requests get one named partial.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from schools.views import member_required

from . import taking
from .taking_forms import MissingRegistersForm, RegisterDayForm, RegisterForm, ReminderForm, row_form

TEMPLATE = "registers/taking/register.html"


def _register(request: HttpRequest, group_id: int, day: dt.date, session: str) -> taking.Register:
    group = taking.group_for_taking(request.access, group_id)
    return taking.load_register(request.access, group, day, session, timezone.now())


def _page(register: taking.Register, form: RegisterForm) -> dict:
    """The register with each row's form beside it (None for a row locked for this user)."""
    lines = [(row, form.rows.get(row.pupil.pk)) for row in register.rows]
    return {"register": register, "form": form, "lines": lines}


def _cannot_take(request: HttpRequest, register: taking.Register) -> HttpResponse:
    return render(request, TEMPLATE, _page(register, RegisterForm(register=register)), status=409)


def _saved_message(saved: taking.Saved) -> str:
    text = f"Register saved: {saved.written} mark{'s' if saved.written != 1 else ''} recorded."
    if saved.completed_now:
        text += " Every pupil has a mark, so the register is taken."
    return text


@member_required
@require_http_methods(["GET", "POST"])
def take_register(request: HttpRequest, group_id: int, day: dt.date, session: str) -> HttpResponse:
    """The register page; a POST saves the whole register at once (the page works without JavaScript)."""
    register = _register(request, group_id, day, session)
    form = RegisterForm(request.POST if request.method == "POST" else None, register=register)
    if request.method == "POST":
        if not register.can_be_taken:
            return _cannot_take(request, register)
        if form.is_valid():
            try:
                saved = taking.save_marks(register, form.entries(), request.user, form.cleaned_data["reason"])
            except taking.RegisterNotSaved as refused:
                form.add_row_errors(refused.errors)
            else:
                messages.success(request, _saved_message(saved))
                return redirect(register.url)
    return render(request, TEMPLATE, _page(register, form))


@member_required
@require_POST
def take_pupil(request: HttpRequest, group_id: int, day: dt.date, session: str, pupil_id: int) -> HttpResponse:
    """Save one pupil's row (each change while taking the register) and send back that row and the count."""
    register = _register(request, group_id, day, session)
    if not register.can_be_taken:
        return _cannot_take(request, register)
    form = row_form(request.POST, row=register.row_for(pupil_id), session=session, require_code=True)
    if form.is_valid():
        try:
            taking.save_marks(register, [form.entry()], request.user)
        except taking.RegisterNotSaved as refused:
            form.add_error(None, refused.errors[pupil_id])
        else:
            if not request.htmx:
                return redirect(register.url)
            register = taking.with_pupil_reloaded(register, pupil_id)
            form = row_form(row=register.row_for(pupil_id), session=session)
    if not request.htmx:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(register.url)
    context = {"register": register, "row": form.row, "row_form": form, "oob": True}
    return render(request, TEMPLATE + "#row_saved", context)


@member_required
@require_POST
def take_all_present(request: HttpRequest, group_id: int, day: dt.date, session: str) -> HttpResponse:
    """Mark every pupil with no mark yet present; pupils already marked keep their marks."""
    register = _register(request, group_id, day, session)
    if not register.can_be_taken:
        return _cannot_take(request, register)
    saved = taking.mark_all_present(register, request.user)
    if not request.htmx:
        messages.success(request, _saved_message(saved))
        return redirect(register.url)
    register = taking.load_register(request.access, register.group, day, session, timezone.now())
    return render(request, TEMPLATE + "#register", _page(register, RegisterForm(register=register)))


@member_required
@require_GET
def take_index(request: HttpRequest) -> HttpResponse:
    """The user's groups with the state of each register for the day and session (the current one unless chosen)."""
    form = RegisterDayForm(request.GET or None)
    day = form.value("date", timezone.localdate())
    session = form.value("session", None) or taking.default_session(request.access, timezone.now())
    page = taking.my_registers(request.access, day, session)
    return render(request, "registers/taking/index.html", {"form": form, "page": page, "today": timezone.localdate()})


def _missing_context(request: HttpRequest, school, day: dt.date, session: str, form=None) -> dict:
    return {
        "form": form,
        "registers": taking.session_registers(school, day, session, timezone.now()),
        "office_schools": taking.office_schools(request.access),
        "today": timezone.localdate(),
    }


@member_required
@require_GET
@vary_on_headers("HX-Request")
def take_missing(request: HttpRequest) -> HttpResponse:
    """For the office: the school's registers not yet taken for a session, with reminders, and those taken."""
    form = MissingRegistersForm(request.GET or None)
    school = taking.office_school(request.access, form.value("school", None))
    day = form.value("date", timezone.localdate())
    session = form.value("session", None) or taking.current_session(timezone.localtime().time(), school.pm_day_starts)
    template = "registers/taking/missing.html" + ("#missing" if request.htmx else "")
    return render(request, template, _missing_context(request, school, day, session, form))


@member_required
@require_POST
def take_remind(request: HttpRequest) -> HttpResponse:
    """Remind the tutors of one missing register, or of all of the session's missing registers."""
    school = taking.office_school(request.access, _int(request.POST.get("school")))
    form = ReminderForm(request.POST, school=school)
    if not form.is_valid():
        return HttpResponse(
            "That reminder could not be sent: the day, session or group was not understood.", status=400
        )
    day, session = form.cleaned_data["date"], form.cleaned_data["session"]
    reminded = taking.send_reminders(school, day, session, request.user, form.group_ids())
    notice = _reminder_notice(reminded)
    if request.htmx:
        context = {**_missing_context(request, school, day, session), "notice": notice}
        return render(request, "registers/taking/missing.html#missing", context)
    messages.success(request, notice)
    query = urlencode({"school": school.pk, "date": day.isoformat(), "session": session})
    return redirect(f"{reverse('registers:take_missing')}?{query}")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else -1 if value else None


def _reminder_notice(reminded: taking.Reminded) -> str:
    parts = []
    if reminded.sent:
        parts.append(
            f"Reminder sent to {reminded.sent} teacher{'s' if reminded.sent != 1 else ''} "
            f"({reminded.groups} group{'s' if reminded.groups != 1 else ''})."
        )
    if reminded.already:
        parts.append(
            f"{reminded.already} group{'s were' if reminded.already != 1 else ' was'} reminded already: "
            "nothing was sent again."
        )
    if reminded.no_tutor:
        parts.append(f"No tutor to remind for {', '.join(reminded.no_tutor)}.")
    return " ".join(parts) or "Nothing to remind: every register for this session has been taken."
