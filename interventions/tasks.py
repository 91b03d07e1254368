"""Celery tasks of the interventions app: making the day's follow-up tasks for each school."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from schools.models import School

from .day3 import create_follow_up_tasks


@shared_task(acks_late=True)
def create_follow_up_tasks_for_school(trust_id: int, school_id: int, today_iso: str) -> str:
    """Make the school's follow-up tasks for `today_iso`. Safe to run twice: tasks are keyed by rule and run."""
    school = School.objects.filter(trust_id=trust_id, pk=school_id).select_related("trust").first()
    if school is None:
        return "no such school"
    return str(create_follow_up_tasks(school, dt.date.fromisoformat(today_iso)))


@shared_task(acks_late=True)
def create_follow_up_tasks_everywhere(today_iso: str | None = None) -> int:
    """The beat's sweep: enqueue one small task per school; returns how many were enqueued."""
    today_iso = today_iso or timezone.localdate().isoformat()
    # Every trust's schools: the sweep only enqueues, and each task is scoped by its trust id.
    schools = list(School.objects.all_trusts().values_list("trust_id", "pk"))
    for trust_id, school_id in schools:
        transaction.on_commit(lambda t=trust_id, s=school_id: create_follow_up_tasks_for_school.delay(t, s, today_iso))
    return len(schools)
