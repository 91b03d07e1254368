"""Celery tasks of the schools app."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from celery import shared_task
from django.db import Error, connection, transaction
from django.utils import timezone

from omega_attendance.task_retries import RETRY_TRANSIENT, TRANSIENT_ERRORS
from schools.imports.kinds import KINDS
from schools.imports.progress import ProgressReporter
from schools.models import ImportJob

logger = logging.getLogger(__name__)

# pg_try_advisory_lock(namespace, job id): held by the run applying a job, for as long as its database session lasts.
IMPORT_LOCK = 7301


@contextmanager
def _applying(job_id: int) -> Iterator[bool]:
    """True while this run is the only one applying the job; False when another run holds it.

    The lock is the session's, not the transaction's, so it covers the whole run. A worker that dies, or whose
    connection is dropped, loses it with its session: the run that comes next (the retry, or the task the broker
    hands out again) can take a job left RUNNING, while a second delivery of a job still being applied does nothing.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK, job_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK, job_id])
            except Error:
                pass  # the session is gone, and its lock with it


@shared_task(bind=True, acks_late=True, **RETRY_TRANSIENT)
def run_import(self, trust_id: int, job_id: int) -> None:
    """Apply a confirmed upload. Safe to run twice: a run does nothing unless it takes the job's lock and finds the job
    still to do (READY, QUEUED, or RUNNING where a run was cut off). A dropped database connection is retried (see
    omega_attendance.task_retries) from the start: the import's transaction was rolled back, so nothing is applied
    twice. The job is DONE in the same transaction that applies the file.
    """
    with _applying(job_id) as held:
        if held:
            _run(self, trust_id, job_id)


def _run(task, trust_id: int, job_id: int) -> None:
    jobs = ImportJob.objects.filter(trust_id=trust_id, pk=job_id)
    claimable = [ImportJob.Status.READY, ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
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
        with transaction.atomic():
            summary = module.apply(
                job.school, parsed.rows, filename=job.filename, recorded_by=job.created_by, on_progress=report
            )
            jobs.update(
                status=ImportJob.Status.DONE,
                rows_total=len(parsed.rows),
                rows_done=len(parsed.rows),
                summary=summary[:300],
                finished_at=timezone.now(),
            )
    except TRANSIENT_ERRORS as e:
        if task.request.retries < task.max_retries:
            raise  # retried by RETRY_TRANSIENT; the job stays RUNNING for the next attempt to take
        _fail(jobs, job_id, e)
    except Exception as e:
        _fail(jobs, job_id, e)
    finally:
        report.close()


def _fail(jobs, job_id: int, e: Exception) -> None:
    logger.exception("import %s failed", job_id)
    jobs.update(
        status=ImportJob.Status.FAILED,
        summary=f"The import stopped and nothing was saved: {e}"[:300],
        finished_at=timezone.now(),
    )
