"""The nightly retention run: one task per trust, each safe to repeat (an anonymised pupil is passed by)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from omega_attendance.task_retries import RETRY_TRANSIENT
from schools.models import Trust

from .models import RetentionRun
from .services import apply_retention


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def apply_retention_for_trust(trust_id: int, on_iso: str) -> int:
    """Anonymise the trust's leavers due on `on_iso`; returns how many pupils this run anonymised."""
    trust = Trust.objects.filter(pk=trust_id).first()
    if trust is None:
        return 0
    result = apply_retention(trust, dt.date.fromisoformat(on_iso), source=RetentionRun.Source.NIGHTLY)
    return result.counts["pupils"]


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def apply_retention_everywhere() -> int:
    """Queue one retention run per trust, for today; returns how many were queued."""
    today = timezone.localdate().isoformat()
    # Every trust: the sweep only enqueues, and each task works within one trust.
    trust_ids = list(Trust.objects.order_by("pk").values_list("pk", flat=True))
    for trust_id in trust_ids:
        transaction.on_commit(lambda t=trust_id: apply_retention_for_trust.delay(t, today))
    return len(trust_ids)
