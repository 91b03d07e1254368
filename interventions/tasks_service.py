"""The attendance team's task list: open tasks by assignee or school, completing with an outcome, reassigning."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from schools.access import OFFICE, Access
from schools.models import Role

from .models import Task


class TaskNotOpen(ValueError):
    pass


def open_tasks(access: Access, *, mine: bool) -> QuerySet:
    """Open tasks at the user's office schools, soonest due first; only theirs when `mine`."""
    tasks = (
        Task.objects.for_trust(access.trust)
        .filter(school_id__in=access.office_school_ids, status=Task.Status.OPEN)
        .select_related("pupil", "school", "assignee")
        .order_by("due_at", "pk")
    )
    return tasks.filter(assignee_id=access.user_id) if mine else tasks


def task_for(access: Access, task_id: int) -> Task:
    """One task at the user's office schools; raises Task.DoesNotExist otherwise (another trust's included)."""
    return (
        Task.objects.for_trust(access.trust)
        .filter(school_id__in=access.office_school_ids)
        .select_related("pupil", "school", "assignee")
        .get(pk=task_id)
    )


def assignable_staff(access: Access, school_ids: set[int]) -> dict[int, list]:
    """The office staff (officers, attendance leads, heads) of each school, by name, in one query."""
    roles = (
        Role.objects.for_trust(access.trust)
        .filter(school_id__in=school_ids, kind__in=sorted(OFFICE))
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username", "user_id")
    )
    staff: dict[int, list] = defaultdict(list)
    for role in roles:
        if role.user not in staff[role.school_id]:
            staff[role.school_id].append(role.user)
    return dict(staff)


@dataclass(frozen=True)
class TaskRow:
    task: Task
    overdue: bool
    staff: list  # who the task can be given to


def task_rows(tasks, staff: dict[int, list], now: dt.datetime) -> list[TaskRow]:
    return [TaskRow(task=t, overdue=t.due_at < now, staff=staff.get(t.school_id, [])) for t in tasks]


@transaction.atomic
def complete_task(task: Task, *, by, outcome: str, now: dt.datetime) -> Task:
    """Close an open task with its outcome. Raises TaskNotOpen when it was already closed (by someone else)."""
    # Claim it: only one completion can move the task from OPEN to DONE.
    done = Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
        status=Task.Status.DONE, outcome=outcome.strip(), completed_by=by, completed_at=now
    )
    if not done:
        raise TaskNotOpen("This task was already closed.")
    task.refresh_from_db()
    return task


@transaction.atomic
def reassign_task(task: Task, *, assignee) -> Task:
    """Give an open task to another member of the school's office staff (None leaves it unassigned)."""
    if not Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(assignee=assignee):
        raise TaskNotOpen("This task was already closed.")
    task.assignee = assignee
    return task
