"""Browser imports: an upload is checked at once (the preview), then applied by a task once a trust lead confirms."""

from __future__ import annotations

from django.db import transaction

from schools.models import ImportJob, School

from .kinds import KINDS
from .results import Preview, RowError


def check_upload(*, school: School, kind: str, filename: str, content: bytes, user) -> ImportJob:
    """Save the upload as a job, checked: INVALID with every error, or READY with its row count."""
    parsed = KINDS[kind].parse(school, filename, content)
    return ImportJob.objects.create(
        trust=school.trust,
        school=school,
        kind=kind,
        filename=filename,
        content=content,
        status=ImportJob.Status.READY if parsed.ok else ImportJob.Status.INVALID,
        rows_total=len(parsed.rows),
        errors=[e.as_dict() for e in parsed.errors],
        created_by=user,
    )


def preview_job(job: ImportJob) -> Preview:
    """What confirming the job would change now (the file is read again: the school's data may have moved on)."""
    module = KINDS[job.kind]
    content = ImportJob.objects.filter(pk=job.pk, trust_id=job.trust_id).values_list("content", flat=True).get()
    parsed = module.parse(job.school, job.filename, bytes(content))
    if not parsed.ok:
        return Preview({"errors now": len(parsed.errors)}, [str(e) for e in parsed.errors[: Preview.SAMPLE_SIZE]])
    return module.preview(job.school, parsed.rows)


def errors_of(job: ImportJob) -> list[RowError]:
    return [RowError.from_dict(e) for e in job.errors]


def queue(job: ImportJob) -> bool:
    """Move a READY job to QUEUED and run it once the transaction commits; False if it was not READY (already
    confirmed, or invalid), so pressing Confirm twice queues it once."""
    from schools.tasks import run_import

    claimed = ImportJob.objects.filter(pk=job.pk, trust_id=job.trust_id, status=ImportJob.Status.READY).update(
        status=ImportJob.Status.QUEUED
    )
    if claimed:
        trust_id, job_id = job.trust_id, job.pk
        transaction.on_commit(lambda: run_import.delay(trust_id, job_id))
    return bool(claimed)
