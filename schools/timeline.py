"""A pupil's story: marks and their corrections, absence reports, leave requests, calls and visits, tasks, and
letters sent.

Every source is read by one query (with the people it names), bounded to its latest PER_KIND entries, and the results
are merged newest first into plain TimelineEntry values. Older entries are reached page by page through a cursor: the
time of the last entry shown, with its source and id to break ties (a register or an import records many marks in
one transaction, and every one of their history events carries that transaction's time).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from interventions.models import ContactAttempt, Task
from letters.defaults import describe
from letters.models import Letter
from registers import codes as C
from registers.history import history_for_pupil
from registers.models import AbsenceReport, LeaveRequest

from .models import Pupil

# The latest entries read from each source per page; the "show older" link reaches the rest.
PER_KIND = 200


class Kind(models.TextChoices):
    MARKS = "marks", "Marks"
    REPORTS = "reports", "Absence reports"
    LEAVE = "leave", "Leave requests"
    CONTACT = "contact", "Calls and visits"
    TASKS = "tasks", "Tasks"
    LETTERS = "letters", "Letters"


@dataclass(frozen=True)
class TimelineEntry:
    when: dt.datetime
    kind: str  # a Kind value
    title: str
    detail: str
    who: str  # the member of staff who did it; "" when no one is recorded (imports, rules, nightly tasks)
    link: str = ""  # a page or file the entry opens (a letter's stored copy), "" for none
    link_label: str = ""

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def day(self) -> dt.date:
        """The local date it happened on, which the page groups entries by."""
        return timezone.localdate(self.when)


@dataclass(frozen=True)
class Cursor:
    """Where a page of the timeline ends: entries strictly older than this come next."""

    when: dt.datetime
    source: str  # a Source name
    pk: int

    @property
    def token(self) -> str:
        """The cursor as it travels in a URL, e.g. "2026-11-20T09:12:03.123456Z~mark~81"."""
        when = self.when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return f"{when}~{self.source}~{self.pk}"

    @classmethod
    def parse(cls, token: str) -> Cursor | None:
        """The cursor in `token`, or None when it is not one (a bad value in a URL is ignored, never fatal)."""
        parts = token.split("~")
        if len(parts) != 3 or parts[1] not in RANK or not parts[2].isdigit():
            return None
        try:
            when = dt.datetime.fromisoformat(parts[0])
        except ValueError:
            return None
        if when.tzinfo is None:
            return None
        return cls(when, parts[1], int(parts[2]))


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    kind: str  # "" for every kind
    older: str  # the cursor token of the next page, "" when there is nothing older
    paged: bool  # True on an older page (the newest entries are not shown)

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label if self.kind else "Everything"

    @property
    def filters(self) -> list[tuple[str, str]]:
        """(kind, label) for each filter the timeline offers, "Everything" first."""
        return [("", "Everything"), *Kind.choices]


# --- How each source is read and told --------------------------------------------------------------------------

Users = Mapping[int, str]  # user id -> display name, for users named only in history metadata


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _moment(when: dt.datetime) -> str:
    local = timezone.localtime(when)
    return f"{_day(local.date())} {local:%H:%M}"


def _span(first: dt.date, first_session: str, last: dt.date, last_session: str) -> str:
    """ "Mon 16 Nov" for whole days, with "AM" or "PM" only where an end falls in the middle of a day."""
    if first == last:
        return f"{_day(first)} {first_session}" if first_session == last_session else _day(first)
    start = _day(first) + (" PM" if first_session == "PM" else "")
    end = _day(last) + (" AM" if last_session == "AM" else "")
    return f"{start} – {end}"


def _code(code: str) -> str:
    known = C.BY_CODE.get(code)
    return f"{code} – {known.meaning}" if known else code


def _sentences(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def context_user_id(event) -> int | None:
    """The user id pghistory's context recorded for the change that made `event` (the request's user)."""
    user = event.pgh_context.metadata.get("user") if event.pgh_context_id else None
    if isinstance(user, int):
        return user
    return int(user) if isinstance(user, str) and user.isdigit() else None


def _mark_entry(event, users: Users) -> TimelineEntry:
    session = f"{_day(event.date)} {event.session}"
    context_user = users.get(context_user_id(event), "")
    if event.pgh_label == "delete":
        reason = event.pgh_context.metadata.get("reason", "") if event.pgh_context_id else ""
        return TimelineEntry(
            event.pgh_created_at, Kind.MARKS, f"{session}: mark {event.code} deleted", str(reason), context_user
        )
    if event.old_code is None:
        title = f"{session}: marked {_code(event.code)}"
    elif event.old_code != event.code:
        title = f"{session}: corrected {event.old_code} → {_code(event.code)}"
    else:
        title = f"{session}: {event.code} kept, details changed"
    late = f"{event.minutes_late} minutes late" if event.minutes_late else ""
    detail = _sentences(event.get_source_display(), late, event.note, f"Reason: {event.reason}" if event.reason else "")
    return TimelineEntry(event.pgh_created_at, Kind.MARKS, title, detail, _name(event.recorded_by) or context_user)


def _report_received(report: AbsenceReport, users: Users) -> TimelineEntry:
    span = _span(report.first_day, report.first_session, report.last_day, report.last_session)
    reporter = f"{report.reported_by}, {report.get_channel_display().lower()}: {report.reason}"
    expected = f"Expected back {_day(report.expected_return)}" if report.expected_return else ""
    return TimelineEntry(
        report.recorded_at,
        Kind.REPORTS,
        f"Absence reported for {span}, proposing {_code(report.code)}",
        _sentences(reporter, expected),
        _name(report.recorded_by),
    )


def _report_decided(report: AbsenceReport, users: Users) -> TimelineEntry:
    span = _span(report.first_day, report.first_session, report.last_day, report.last_session)
    verb = "confirmed" if report.status == AbsenceReport.Status.CONFIRMED else "not accepted"
    return TimelineEntry(
        report.decided_at,
        Kind.REPORTS,
        f"Absence report {verb}: {report.code} for {span}",
        report.decision_note,
        _name(report.decided_by),
    )


def _days(leave: LeaveRequest) -> str:
    return _span(leave.first_day, "AM", leave.last_day, "PM")


def _leave_requested(leave: LeaveRequest, users: Users) -> TimelineEntry:
    recorded_on = timezone.localdate(leave.recorded_at)
    asked = f"Asked on {_day(leave.requested_on)}" if leave.requested_on != recorded_on else ""
    return TimelineEntry(
        leave.recorded_at,
        Kind.LEAVE,
        f"Leave requested: {leave.get_kind_display()} ({leave.kind}), {_days(leave)}",
        _sentences(leave.reason, asked),
        _name(leave.recorded_by),
    )


def _leave_decided(leave: LeaveRequest, users: Users) -> TimelineEntry:
    verb = "granted" if leave.decision == LeaveRequest.Decision.GRANTED else "refused"
    taken = "Taken all the same: its sessions are coded G" if leave.taken_when_refused else ""
    return TimelineEntry(
        leave.decided_at,
        Kind.LEAVE,
        f"Leave {verb}: {_days(leave)}",
        _sentences(leave.decision_note, taken),
        _name(leave.decided_by),
    )


def _contact(attempt: ContactAttempt, users: Users) -> TimelineEntry:
    return TimelineEntry(
        attempt.made_at,
        Kind.CONTACT,
        f"{attempt.get_method_display()}: {attempt.get_outcome_display()}",
        _sentences(
            f"About the absence on {_day(attempt.absence_date)}",
            f"With {attempt.contact.name}" if attempt.contact else "",
            f"Code {_code(attempt.code)}" if attempt.code else "",
            attempt.note,
        ),
        _name(attempt.made_by),
    )


def _task_set(task: Task, users: Users) -> TimelineEntry:
    assignee = f"Assigned to {_name(task.assignee)}" if task.assignee else "Not assigned"
    return TimelineEntry(
        task.created_at,
        Kind.TASKS,
        f"Task set: {task.title}",
        _sentences(task.why, f"Due {_moment(task.due_at)}", assignee),
        "",
    )


def _letter(letter: Letter, users: Users) -> TimelineEntry:
    language = f"In {letter.language}" if letter.language != "English" else ""
    return TimelineEntry(
        letter.created_at,
        Kind.LETTERS,
        f"Letter {describe(letter.code)}",
        _sentences(f"{letter.get_delivery_display()} to {letter.addressee}", language, letter.batch.title),
        _name(letter.batch.created_by),
        link=reverse("letters:letter_pdf", args=[letter.pk]) if letter.rendered_at else "",
        link_label="Open the letter as sent",
    )


def _task_closed(task: Task, users: Users) -> TimelineEntry:
    verb = "cancelled" if task.status == Task.Status.CANCELLED else "done"
    return TimelineEntry(
        task.completed_at, Kind.TASKS, f"Task {verb}: {task.title}", task.outcome, _name(task.completed_by)
    )


@dataclass(frozen=True)
class Source:
    """One stream of timeline entries: a query for one pupil, the time each row happened at, and how to tell it."""

    name: str
    kind: str
    when: str  # the field holding the time
    pk: str  # the primary key, to order rows that happened at the same time
    rows: Callable[[Pupil], QuerySet]
    entry: Callable[[object, Users], TimelineEntry]

    def key(self, row) -> tuple[dt.datetime, int, int]:
        """Where the row sorts: newest first, then by source, then by id."""
        return (getattr(row, self.when), RANK[self.name], getattr(row, self.pk))

    def latest(self, pupil: Pupil, before: Cursor | None, limit: int) -> list:
        """Up to `limit` rows, newest first, all strictly older than `before` in timeline order."""
        rows = self.rows(pupil).filter(**{f"{self.when}__isnull": False})
        if before is not None:
            rows = rows.filter(self._older_than(before))
        return list(rows.order_by(f"-{self.when}", f"-{self.pk}")[:limit])

    def _older_than(self, cursor: Cursor) -> Q:
        # Entries sort by (time, source rank, id), newest first; the next page holds the keys below the cursor's.
        rank, theirs = RANK[self.name], RANK[cursor.source]
        if rank < theirs:
            return Q(**{f"{self.when}__lte": cursor.when})
        if rank > theirs:
            return Q(**{f"{self.when}__lt": cursor.when})
        return Q(**{f"{self.when}__lt": cursor.when}) | Q(**{self.when: cursor.when, f"{self.pk}__lt": cursor.pk})


def _reports(pupil: Pupil) -> QuerySet:
    return AbsenceReport.objects.for_trust(pupil.trust_id).filter(pupil=pupil)


def _leave(pupil: Pupil) -> QuerySet:
    return LeaveRequest.objects.for_trust(pupil.trust_id).filter(pupil=pupil)


def _tasks(pupil: Pupil) -> QuerySet:
    return Task.objects.for_trust(pupil.trust_id).filter(pupil=pupil)


def _letters(pupil: Pupil) -> QuerySet:
    # The stored PDFs are not read: the entry links to them.
    return (
        Letter.objects.for_trust(pupil.trust_id)
        .filter(pupil=pupil)
        .select_related("batch__created_by")
        .defer("pdf", "figures", "batch__pdf")
    )


# In rank order: where two entries happened at the same moment, the later source in this list is shown first.
SOURCES = (
    Source(
        "report",
        Kind.REPORTS,
        "recorded_at",
        "pk",
        lambda p: _reports(p).select_related("recorded_by"),
        _report_received,
    ),
    Source(
        "leave",
        Kind.LEAVE,
        "recorded_at",
        "pk",
        lambda p: _leave(p).select_related("recorded_by"),
        _leave_requested,
    ),
    Source("task", Kind.TASKS, "created_at", "pk", lambda p: _tasks(p).select_related("assignee"), _task_set),
    Source(
        "contact",
        Kind.CONTACT,
        "made_at",
        "pk",
        lambda p: ContactAttempt.objects.for_trust(p.trust_id).filter(pupil=p).select_related("made_by", "contact"),
        _contact,
    ),
    Source("mark", Kind.MARKS, "pgh_created_at", "pgh_id", history_for_pupil, _mark_entry),
    Source(
        "report-decided",
        Kind.REPORTS,
        "decided_at",
        "pk",
        lambda p: _reports(p).exclude(status=AbsenceReport.Status.PENDING).select_related("decided_by"),
        _report_decided,
    ),
    Source(
        "leave-decided",
        Kind.LEAVE,
        "decided_at",
        "pk",
        lambda p: _leave(p).exclude(decision=LeaveRequest.Decision.PENDING).select_related("decided_by"),
        _leave_decided,
    ),
    Source(
        "task-closed",
        Kind.TASKS,
        "completed_at",
        "pk",
        lambda p: _tasks(p).exclude(status=Task.Status.OPEN).select_related("completed_by"),
        _task_closed,
    ),
    Source("letter", Kind.LETTERS, "created_at", "pk", _letters, _letter),
)
RANK = {source.name: rank for rank, source in enumerate(SOURCES)}


def users_named_in(events: Iterable) -> dict[int, str]:
    """Display names of the users pghistory's context names on these mark events, in one query (none if none)."""
    ids = {context_user_id(e) for e in events} - {None}
    if not ids:
        return {}
    return {user.pk: _name(user) for user in get_user_model().objects.filter(pk__in=ids)}


def timeline_for(
    pupil: Pupil, kind: str = "", before: Cursor | None = None, per_kind: int = PER_KIND, pastoral: bool = True
) -> Timeline:
    """The pupil's entries of `kind` ("" for all) older than `before` (None for the newest), newest first.

    `pastoral=False` (staff outside the attendance office and safeguarding) leaves out concerns raised to the DSL
    and the notes of contact with the family: they are shared on a need-to-know basis.

    One query per source plus, when a deleted or unattributed mark names a user, one for the users. A source that
    has more than `per_kind` rows left limits the page: entries older than its last row wait for the next page, so
    no entry is ever skipped or shown twice.
    """
    sources = [s for s in SOURCES if not kind or s.kind == kind]
    rows: list[tuple[tuple[dt.datetime, int, int], Source, object]] = []
    floors = []
    for source in sources:
        latest = source.latest(pupil, before, per_kind + 1)
        if len(latest) > per_kind:
            latest = latest[:per_kind]
            floors.append(source.key(latest[-1]))
        rows += [(source.key(row), source, row) for row in latest]
    rows.sort(key=lambda r: r[0], reverse=True)
    older = ""
    if floors:
        floor = max(floors)
        rows = [r for r in rows if r[0] >= floor]
        when, rank, pk = floor
        older = Cursor(when, SOURCES[rank].name, pk).token
    if not pastoral:
        rows = [r for r in rows if not (r[1].name == "contact" and r[2].outcome == ContactAttempt.Outcome.CONCERN)]
        for _, source, row in rows:
            if source.name == "contact":
                row.note = ""
    users = users_named_in(row for _, source, row in rows if source.name == "mark")
    entries = [source.entry(row, users) for _, source, row in rows]
    if not pastoral:
        # A letter's copy holds the family's address: it opens for the office, DSLs and leaders (letters.views).
        entries = [dataclasses.replace(e, link="", link_label="") if e.kind == Kind.LETTERS else e for e in entries]
    return Timeline(entries=entries, kind=kind, older=older, paged=before is not None)
