"""Browser imports for trust leads: upload and check a file, confirm it, watch it run.

Another trust's school or job is a 404; a member of the same trust who is not a trust lead gets a 403 that says why.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .forms import UploadForm
from .imports import jobs
from .models import ImportJob, School
from .tenancy import get_for_trust_or_404

IN_PROGRESS = {ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}
NOT_A_LEAD = "Only a trust lead can import files. Ask your trust's lead to upload this file for you."


def _imports_view(view):
    """Signed in, in a trust (else 404); a PermissionDenied from the view becomes the 403 page with its message."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.access:
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as e:
            return render(request, "schools/imports/forbidden.html", {"message": str(e)}, status=403)

    return wrapped


def _require_lead(request) -> None:
    if not request.access.can_import():
        raise PermissionDenied(NOT_A_LEAD)


def _job_or_404(request, job_id: int) -> ImportJob:
    # The uploaded file can be megabytes: it is read only where the file itself is needed.
    jobs_here = ImportJob.objects.select_related("school", "created_by").defer("content")
    return get_for_trust_or_404(jobs_here, request.trust, pk=job_id)


@require_http_methods(["GET", "POST"])
@_imports_view
def start(request) -> HttpResponse:
    _require_lead(request)
    schools = School.objects.for_trust(request.trust)
    form = UploadForm(request.POST or None, request.FILES or None, schools=schools)
    if form.is_valid():
        school = get_for_trust_or_404(School.objects, request.trust, pk=form.cleaned_data["school"])
        upload = form.cleaned_data["file"]
        job = jobs.check_upload(
            school=school,
            kind=form.cleaned_data["kind"],
            filename=upload.name,
            content=upload.read(),
            user=request.user,
        )
        return redirect("imports:job", job_id=job.pk)
    recent = ImportJob.objects.for_trust(request.trust).select_related("school", "created_by").defer("content")[:20]
    return render(request, "schools/imports/start.html", {"form": form, "jobs": recent})


@require_GET
@_imports_view
def job(request, job_id: int) -> HttpResponse:
    """The preview (errors, or what will change and a Confirm button), then progress and the summary.

    htmx polls get only the progress partial, which stops polling once the job has finished.
    """
    job = _job_or_404(request, job_id)
    _require_lead(request)
    context = {"job": job, "errors": jobs.errors_of(job), "in_progress": job.status in IN_PROGRESS}
    if job.status == ImportJob.Status.READY:
        context["preview"] = jobs.preview_job(job)
    template = "schools/imports/job.html" + ("#progress" if request.htmx else "")
    return render(request, template, context)


@require_POST
@_imports_view
def confirm(request, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    _require_lead(request)
    jobs.queue(job)
    return redirect("imports:job", job_id=job.pk)
