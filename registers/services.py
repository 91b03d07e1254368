"""Writes to the register. Every path that records marks (register, office, import, API) comes through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from schools.models import School

from . import summaries
from .codes import LATE
from .models import Mark

BATCH = 5000
WHOLE_SCHOOL_AFTER = 100  # pupils touched by one write, beyond which the summaries are recounted for the school


@dataclass(frozen=True)
class MarkInput:
    pupil_id: int
    date: dt.date
    session: str
    code: str  # statutory code, already resolved by registers.codes.resolve
    local_code: str = ""
    # None keeps what the mark already holds, so a re-import of bare codes never wipes the office's detail.
    minutes_late: int | None = None
    note: str | None = None


@dataclass
class UpsertResult:
    created: int = 0
    corrected: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} new, {self.corrected} corrected, {self.unchanged} unchanged"


class CorrectionNeedsReason(ValueError):
    pass


def _key(pupil_id: int, date: dt.date, session: str) -> tuple[int, dt.date, str]:
    return (pupil_id, date, session)


@transaction.atomic
def upsert_marks(
    *,
    school: School,
    marks: Sequence[MarkInput],
    source: str,
    recorded_by=None,
    reason: str = "",
    on_progress=None,
) -> UpsertResult:
    """Insert new marks and correct changed ones; identical marks are left alone, so a re-import changes nothing.

    A changed code is a correction: it needs `reason`, and the old version stays in the mark's history.
    Raises CorrectionNeedsReason (saving nothing) when a correction comes without one.
    """
    result = UpsertResult()
    now = timezone.now()
    touched_pupils: set[int] = set()
    touched_dates: set[dt.date] = set()
    # Check foreign keys per statement: deferred to COMMIT, the history trigger's exception blocks make PostgreSQL
    # rescan the queued checks on every row, and a large import slows down quadratically.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for start in range(0, len(marks), BATCH):
        batch = marks[start : start + BATCH]
        existing = {
            _key(m.pupil_id, m.date, m.session): m
            for m in Mark.objects.filter(
                pupil_id__in={m.pupil_id for m in batch}, date__in={m.date for m in batch}
            ).select_for_update()
        }
        new, changed = [], []
        for m in batch:
            current = existing.get(_key(m.pupil_id, m.date, m.session))
            if current is None:
                new.append(
                    Mark(
                        trust_id=school.trust_id,
                        school=school,
                        pupil_id=m.pupil_id,
                        date=m.date,
                        session=m.session,
                        code=m.code,
                        local_code=m.local_code,
                        minutes_late=m.minutes_late if m.code in LATE else None,
                        note=m.note or "",
                        source=source,
                        recorded_by=recorded_by,
                        recorded_at=now,
                        reason=reason,
                    )
                )
            elif _same(current, m):
                result.unchanged += 1
            else:
                if current.code != m.code and not reason.strip():
                    raise CorrectionNeedsReason(
                        f"changing {current.date} {current.session} from {current.code} to {m.code} needs a reason"
                    )
                current.minutes_late = _merged_minutes_late(current, m)
                current.code, current.local_code = m.code, m.local_code
                if m.note is not None:
                    current.note = m.note
                current.source, current.recorded_by, current.recorded_at, current.reason = (
                    source,
                    recorded_by,
                    now,
                    reason,
                )
                changed.append(current)
        for mark in (*new, *changed):
            touched_pupils.add(mark.pupil_id)
            touched_dates.add(mark.date)
        Mark.objects.bulk_create(new)
        Mark.objects.bulk_update(
            changed,
            ["code", "local_code", "minutes_late", "note", "source", "recorded_by", "recorded_at", "reason"],
        )
        result.created += len(new)
        result.corrected += len(changed)
        if on_progress:
            on_progress(start + len(batch))
    if touched_dates:
        # The dashboards' summaries change with the marks, in the same transaction. Past a class or two, recounting
        # the whole school's weeks is cheaper than naming every pupil.
        pupils = touched_pupils if len(touched_pupils) <= WHOLE_SCHOOL_AFTER else None
        summaries.refresh(school, min(touched_dates), max(touched_dates), pupils)
    return result


def _merged_minutes_late(current: Mark, m: MarkInput) -> int | None:
    """Minutes late belong to late codes only; an input without them keeps the mark's own."""
    if m.code not in LATE:
        return None
    return current.minutes_late if m.minutes_late is None else m.minutes_late


def _same(current: Mark, m: MarkInput) -> bool:
    """True when recording `m` would change nothing about the mark."""
    return (
        current.code == m.code
        and current.local_code == m.local_code
        and current.minutes_late == _merged_minutes_late(current, m)
        and (m.note is None or m.note == current.note)
    )


def pupils_without_enrolment(school: School, marks: Iterable[MarkInput]) -> set[int]:
    """Pupil ids in `marks` never enrolled at `school` (their marks would count nowhere)."""
    ids = {m.pupil_id for m in marks}
    enrolled = set(school.enrolments.filter(pupil_id__in=ids).values_list("pupil_id", flat=True))
    return ids - enrolled
