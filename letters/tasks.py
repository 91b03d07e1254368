"""Celery tasks of the letters app: rendering a batch of letters in the background."""

from __future__ import annotations

from celery import shared_task

from omega_attendance.task_retries import RETRY_TRANSIENT

from .batches import render_batch


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def render_letter_batch(trust_id: int, batch_id: int) -> None:
    """Render the batch's letters and merge them to print. Safe to run twice: see letters.batches.render_batch."""
    render_batch(trust_id, batch_id)
