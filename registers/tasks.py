"""Celery tasks of the registers app: the nightly change of overdue N marks to O, and the dashboards' summaries."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from omega_attendance.task_retries import RETRY_TRANSIENT
from schools.models import School

from . import summaries
from .office import convert_overdue_n


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def convert_overdue_n_marks(trust_id: int, school_id: int, today_iso: str) -> dict:
    """Turn one school's overdue N marks into O as on `today_iso`. Safe to run twice: the second run changes nothing.

    Returns {"cutoff": the last overdue date or None, "converted": how many marks changed}.
    """
    school = School.objects.filter(trust_id=trust_id, pk=school_id).first()
    if school is None:
        return {"cutoff": None, "converted": 0}
    result = convert_overdue_n(school, dt.date.fromisoformat(today_iso))
    return {"cutoff": result.cutoff.isoformat() if result.cutoff else None, "converted": result.converted}


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def convert_overdue_n_marks_everywhere() -> int:
    """Queue one conversion per school, for today; returns how many were queued.

    Every trust's schools: the nightly run is installation-wide, and each task is scoped to one trust's school.
    """
    today = timezone.localdate().isoformat()
    schools = list(School.objects.all_trusts().order_by("pk").values_list("trust_id", "pk"))
    for trust_id, school_id in schools:
        transaction.on_commit(
            lambda trust_id=trust_id, school_id=school_id: convert_overdue_n_marks.delay(trust_id, school_id, today)
        )
    return len(schools)


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def refresh_summaries(trust_id: int, school_id: int, today_iso: str) -> int:
    """Recount one school's dashboard summaries for the year to date; safe to repeat (the rows are rewritten)."""
    school = School.objects.filter(trust_id=trust_id, pk=school_id).select_related("trust").first()
    if school is None:
        return 0
    return summaries.refresh_year(school, dt.date.fromisoformat(today_iso))


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def refresh_summaries_everywhere() -> int:
    """The nightly safety net for the summaries: one task per school; returns how many were queued."""
    today = timezone.localdate().isoformat()
    # Every trust's schools: the sweep only enqueues, and each task is scoped to one trust's school.
    schools = list(School.objects.all_trusts().order_by("pk").values_list("trust_id", "pk"))
    for trust_id, school_id in schools:
        transaction.on_commit(lambda t=trust_id, s=school_id: refresh_summaries.delay(t, s, today))
    return len(schools)
