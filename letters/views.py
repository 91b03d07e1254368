"""Letters pages: batches and their progress, the stored PDFs, one-off batches, and trust leads' letter wording.

Batches are for the leaders who approve letters at a school (request.access.review_school_ids); a letter's stored
copy also opens for the attendance office and DSLs, who see it on the pupil's timeline. Wording is the trust
lead's. Another trust's batch, letter or wording, and a batch of a school that is not the user's, are 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from omega_attendance.refusals import not_for_you
from schools.models import Pupil, PupilContact, School
from schools.tenancy import get_for_trust_or_404
from schools.views import member_required

from . import rendering, wordings
from .batches import LetterRequest, failure_of, postal_address, queue_again, start_batch, warnings_of
from .defaults import CATALOGUE, DEFAULTS, ENGLISH, GROUPS, Wording, phrases
from .figures import figures_book
from .forms import NewBatchForm, PreviewForm, WordingForm
from .models import Letter, LetterBatch, LetterTemplate
from .templating import NAMES, TemplateProblem

LETTERS_PER_PAGE = 100
IN_PROGRESS = {LetterBatch.Status.QUEUED, LetterBatch.Status.RUNNING}


def _pdf(content: bytes, filename: str, download: bool) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type="application/pdf")
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    # A letter holds a family's details: never kept by a shared or browser cache.
    response["Cache-Control"] = "private, no-store"
    return response


# --- Batches --------------------------------------------------------------------------------------------------------


def _batches(request: HttpRequest) -> QuerySet:
    return (
        LetterBatch.objects.for_trust(request.trust)
        .filter(school_id__in=request.access.review_school_ids)
        .select_related("school", "created_by")
        .defer("pdf")
        .order_by("-created_at", "-pk")
    )


def _batch_or_404(request: HttpRequest, batch_id: int) -> LetterBatch:
    return get_for_trust_or_404(_batches(request), request.trust, pk=batch_id)


@member_required
@require_GET
@vary_on_headers("HX-Request")
def batches(request: HttpRequest) -> HttpResponse:
    if not request.access.review_school_ids:
        return not_for_you(request, "Letters", "Letters are printed by attendance leads and headteachers.")
    recent = list(_batches(request)[:100])
    context = {
        "batches": recent,
        "in_progress": any(b.status in IN_PROGRESS for b in recent),
        "show_school": len(request.access.review_school_ids) > 1,
    }
    return render(request, "letters/batches.html" + ("#batch-list" if request.htmx else ""), context)


@member_required
@require_GET
@vary_on_headers("HX-Request")
def batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The batch's progress (htmx polls get the progress partial alone, until it finishes) and its letters."""
    found = _batch_or_404(request, batch_id)
    context = {"batch": found, "in_progress": found.status in IN_PROGRESS}
    if request.htmx and request.GET.get("part") == "progress":
        if not context["in_progress"]:
            # Finished: the whole page again, so the letters' links and the print buttons appear.
            return HttpResponseClientRefresh()
        return render(request, "letters/batch.html#progress", context)
    letters = (
        Letter.objects.for_trust(request.trust)
        .filter(batch=found)
        .select_related("pupil", "contact")
        .defer("pdf", "figures")
        .order_by("pk")
    )
    context["page"] = Paginator(letters, LETTERS_PER_PAGE).get_page(request.GET.get("page"))
    context["warnings"] = warnings_of(found)
    context["failure"] = failure_of(found)
    return render(request, "letters/batch.html", context)


@member_required
@require_GET
def batch_pdf(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Every letter of the batch in one PDF, to print. Printing changes nothing: it can be done again."""
    found = _batch_or_404(request, batch_id)
    content = LetterBatch.objects.filter(pk=found.pk).values_list("pdf", flat=True).get()
    if not content:
        raise Http404("The letters are not ready to print yet")
    return _pdf(content, f"letters-{found.pk}.pdf", download=request.GET.get("download") == "1")


@member_required
@require_POST
def batch_retry(request: HttpRequest, batch_id: int) -> HttpResponse:
    found = _batch_or_404(request, batch_id)
    if found.status == LetterBatch.Status.FAILED:
        queue_again(found)
        messages.success(request, "The letters not yet rendered are being rendered again.")
    return redirect("letters:batch", batch_id=found.pk)


@member_required
@require_GET
def letter_pdf(request: HttpRequest, letter_id: int) -> HttpResponse:
    """One letter's stored copy, as sent."""
    access = request.access
    readers = access.review_school_ids | access.office_school_ids | access.dsl_school_ids
    letter = get_for_trust_or_404(
        Letter.objects.filter(school_id__in=readers).only("pk", "pdf", "code", "trust_id"), request.trust, pk=letter_id
    )
    if not letter.pdf:
        raise Http404("This letter has not been rendered yet")
    return _pdf(letter.pdf, f"letter-{letter.pk}-{letter.code}.pdf", download=request.GET.get("download") == "1")


@member_required
@require_http_methods(["GET", "POST"])
def new_batch(request: HttpRequest) -> HttpResponse:
    """A one-off batch of one letter for chosen pupils, a year group or a whole school (termly summaries, say)."""
    if not request.access.review_school_ids:
        return not_for_you(request, "Letters", "Letters are printed by attendance leads and headteachers.")
    schools = School.objects.for_trust(request.trust).filter(pk__in=request.access.review_school_ids).order_by("name")
    form = NewBatchForm(request.POST or None, schools=schools)
    if form.is_valid():
        data = form.cleaned_data
        made = start_batch(
            school=data["school"],
            user=request.user,
            title=data["title"],
            requests=[LetterRequest(pupil, data["code"], delivery=data["delivery"]) for pupil in data["pupils"]],
        )
        return redirect("letters:batch", batch_id=made.pk)
    return render(request, "letters/new.html", {"form": form}, status=400 if form.is_bound else 200)


# --- Wording ----------------------------------------------------------------------------------------------------------

NOT_A_LEAD = "The wording of letters is the trust's: only a trust lead changes it."


@member_required
@require_GET
def templates(request: HttpRequest) -> HttpResponse:
    if not request.access.is_trust_lead:
        return not_for_you(request, "Letter wording", NOT_A_LEAD)
    found = wordings.Wordings(request.trust)
    languages = wordings.offered_languages(request.trust, found)
    groups = []
    for group in GROUPS:
        rows = []
        for code, kind in CATALOGUE.items():
            if kind.group == group:
                rows.append((code, kind, [(language, found.get(code, language)) for language in languages]))
        groups.append((group, rows))
    return render(request, "letters/templates.html", {"groups": groups, "languages": languages})


def _wording_target(request: HttpRequest, code: str, language: str) -> str:
    """The language as the trust spells it; 404 for a letter or language the trust does not have."""
    if code not in CATALOGUE:
        raise Http404("No such letter")
    found = wordings.canonical_language(request.trust, language)
    if found is None:
        raise Http404("No wording in that language")
    return found


def _history(template: LetterTemplate | None) -> list:
    if template is None:
        return []
    events = LetterTemplate.pgh_event_model.objects.filter(pgh_obj_id=template.pk).select_related("updated_by")
    return list(events.order_by("-pgh_created_at", "-pgh_id")[:20])


@member_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, code: str, language: str) -> HttpResponse:
    language = _wording_target(request, code, language)
    if not request.access.is_trust_lead:
        return not_for_you(request, "Letter wording", NOT_A_LEAD)
    current = wordings.wording_to_edit(request.trust, code, language)
    initial = {"title": current.wording.title, "body": current.wording.body}
    form = WordingForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            wordings.save_wording(
                request.trust, code, language, form.cleaned_data["title"], form.cleaned_data["body"], request.user
            )
        except TemplateProblem as e:  # checked by the form already; kept so nothing half-checked is ever saved
            form.add_error("body", str(e))
        else:
            messages.success(request, f"Saved the {code} letter in {language}. New letters use this wording.")
            return redirect("letters:template", code=code, language=language)
    context = {
        "code": code,
        "kind": CATALOGUE[code],
        "language": language,
        "current": current,
        "form": form,
        "preview_form": PreviewForm(pupils=Pupil.objects.none()),
        "names": NAMES,
        "history": _history(current.template),
        "default": DEFAULTS.get((code, language)),
        "translated": language != ENGLISH and (code, language) not in DEFAULTS and current.template is None,
        "layout_in_english": language != ENGLISH and phrases(language) is phrases(ENGLISH),
    }
    return render(request, "letters/template_edit.html", context, status=400 if form.is_bound else 200)


def _pupil_school(pupil: Pupil) -> School | None:
    """The school the pupil is on roll at today, else their latest school."""
    today = timezone.localdate()
    enrolments = sorted(pupil.enrolments.all(), key=lambda e: (e.starts, e.pk), reverse=True)
    current = [e for e in enrolments if e.starts <= today and (e.ends is None or e.ends >= today)]
    chosen = (current or enrolments or [None])[0]
    return chosen.school if chosen else None


@member_required
@require_POST
@xframe_options_sameorigin
def template_preview(request: HttpRequest, code: str, language: str) -> HttpResponse:
    """The wording as typed, on a real pupil of the trust: as a page for the edit page's preview frame, or with
    ?format=pdf as the PDF that would be printed.

    Nothing is saved. Problems come back as a short page, with status 400.
    """
    language = _wording_target(request, code, language)
    if not request.access.is_trust_lead:
        return not_for_you(request, "Letter wording", NOT_A_LEAD)
    pupils = Pupil.objects.visible_to(request.access).prefetch_related("enrolments__school__trust")
    form = PreviewForm(request.POST, pupils=pupils)

    def problem(errors: list[str]) -> HttpResponse:
        return render(request, "letters/preview_problem.html", {"errors": errors}, status=400)

    if not form.is_valid():
        return problem([f"{form[name].label}: {e}" for name, errs in form.errors.items() for e in errs])
    pupil = form.cleaned_data["pupil"]
    school = _pupil_school(pupil)
    if school is None:
        return problem([f"{pupil.display_name} is not enrolled at any school, so has no figures to show."])
    link = (
        PupilContact.objects.for_trust(request.trust)
        .filter(pupil=pupil, parental_responsibility=True)
        .select_related("contact")
        .order_by("priority", "pk")
        .first()
    )
    addressee = link.contact.name if link else "Parent or carer"
    address = postal_address(link.contact) if link else ""
    figures = figures_book(school, timezone.localdate(), [pupil]).names(
        pupil.pk, parent_name=addressee, language=language
    )
    try:
        content = rendering.lay_out(
            school=school,
            pupil=pupil,
            code=code,
            language=language,
            addressee=addressee,
            address=address,
            figures=figures,
            wording=Wording(form.cleaned_data["title"], form.cleaned_data["body"]),
        )
    except TemplateProblem as e:
        return problem([str(e)])
    if request.GET.get("format") != "pdf":
        return HttpResponse(rendering.letters_html([content], for_browser=True))
    [pdf] = rendering.render_pdfs([content])
    return _pdf(pdf, f"preview-{code}.pdf", download=False)
