"""Celery tasks of the interventions app: the day's follow-up tasks and the nightly graduated-response run."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from omega_attendance.task_retries import RETRY_TRANSIENT
from schools.models import School

from .day3 import create_follow_up_tasks
from .engine import commit_school


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def create_follow_up_tasks_for_school(trust_id: int, school_id: int, today_iso: str) -> str:
    """Make the school's follow-up tasks for `today_iso`. Safe to run twice: tasks are keyed by rule and run."""
    school = School.objects.filter(trust_id=trust_id, pk=school_id).select_related("trust").first()
    if school is None:
        return "no such school"
    return str(create_follow_up_tasks(school, dt.date.fromisoformat(today_iso)))


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def create_follow_up_tasks_everywhere(today_iso: str | None = None) -> int:
    """The beat's sweep: enqueue one small task per school; returns how many were enqueued."""
    today_iso = today_iso or timezone.localdate().isoformat()
    # Every trust's schools: the sweep only enqueues, and each task is scoped by its trust id.
    schools = list(School.objects.all_trusts().values_list("trust_id", "pk"))
    for trust_id, school_id in schools:
        transaction.on_commit(lambda t=trust_id, s=school_id: create_follow_up_tasks_for_school.delay(t, s, today_iso))
    return len(schools)


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def evaluate_school(trust_id: int, school_id: int, on_iso: str) -> int:
    """The nightly graduated-response run for one school; returns how many proposals it recorded.

    Safe to run twice and safe to kill: the run and its proposals are written in one transaction, once per school
    and day (interventions.engine.commit_school), so a re-run after a killed worker finishes with no duplicates.
    """
    school = School.objects.filter(trust_id=trust_id, pk=school_id).select_related("trust").first()
    if school is None:
        return 0
    run = commit_school(school, dt.date.fromisoformat(on_iso))
    return run.proposals if run else 0


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def evaluate_every_school(on_iso: str | None = None) -> int:
    """The beat's nightly fan-out: one evaluation task per school; returns how many were enqueued."""
    on_iso = on_iso or timezone.localdate().isoformat()
    # Every trust's schools: the fan-out only enqueues, and each task is scoped by its trust id.
    schools = list(School.objects.all_trusts().order_by("pk").values_list("trust_id", "pk"))
    for trust_id, school_id in schools:
        transaction.on_commit(lambda t=trust_id, s=school_id: evaluate_school.delay(t, s, on_iso))
    return len(schools)
