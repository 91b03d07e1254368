"""Celery tasks of the schools app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from schools.imports.kinds import KINDS
from schools.imports.progress import ProgressReporter
from schools.models import ImportJob

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_import(trust_id: int, job_id: int) -> None:
    """Apply a confirmed upload. Safe to run twice: only the run that claims the job does anything."""
    jobs = ImportJob.objects.filter(trust_id=trust_id, pk=job_id)
    # Claim it: exactly one run can move the job from READY or QUEUED to RUNNING.
    claimable = [ImportJob.Status.READY, ImportJob.Status.QUEUED]
    if not jobs.filter(status__in=claimable).update(status=ImportJob.Status.RUNNING, rows_done=0):
        return
    job = jobs.select_related("school__trust", "created_by").get()
    module = KINDS[job.kind]
    # The file is checked again: the school's pupils or calendar may have changed since the preview.
    parsed = module.parse(job.school, job.filename, bytes(job.content))
    if not parsed.ok:
        jobs.update(
            status=ImportJob.Status.FAILED,
            errors=[e.as_dict() for e in parsed.errors],
            summary="The file no longer passes its checks (the school's data changed since the preview); "
            "nothing was saved.",
            finished_at=timezone.now(),
        )
        return
    report = ProgressReporter(trust_id, job_id)
    try:
        summary = module.apply(
            job.school, parsed.rows, filename=job.filename, recorded_by=job.created_by, on_progress=report
        )
    except Exception as e:
        logger.exception("import %s failed", job_id)
        jobs.update(
            status=ImportJob.Status.FAILED,
            summary=f"The import stopped and nothing was saved: {e}"[:300],
            finished_at=timezone.now(),
        )
        return
    finally:
        report.close()
    jobs.update(
        status=ImportJob.Status.DONE,
        rows_total=len(parsed.rows),
        rows_done=len(parsed.rows),
        summary=summary[:300],
        finished_at=timezone.now(),
    )
