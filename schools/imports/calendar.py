"""Calendar files: half-terms, INSET days and closures, one a row (columns kind,name,start,end).

Half-terms are matched on their start date and closures on (kind, start, end), so importing the same file again
changes nothing and a renamed or re-dated half-term is updated in place. The school's SchoolDay table is rebuilt
afterwards, inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from schools.models import Closure, HalfTerm, School
from schools.services import rebuild_school_days

from . import cells, csvfiles
from .csvfiles import Column
from .results import Parsed, Preview, RowError

HALF_TERM = "half_term"
COLUMNS = (
    Column("kind", cells.choice(HALF_TERM, Closure.Kind.INSET, Closure.Kind.CLOSURE)),
    Column("name"),
    Column("start", cells.iso_date),
    Column("end", cells.iso_date),
)
NAMES = {c.name for c in COLUMNS}


@dataclass(frozen=True)
class CalendarRow:
    number: int
    kind: str
    name: str
    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return f"{self.name} ({self.kind.replace('_', ' ')}): {self.start:%a %d %b %Y} to {self.end:%a %d %b %Y}"


def parse(school: School, filename: str, content: bytes) -> Parsed[CalendarRow]:
    """Calendar rows, or every error: bad cells, an end before its start, repeated rows, overlapping half-terms."""
    csv_rows, errors = csvfiles.read(content, filename, COLUMNS)
    rows = [CalendarRow(r.number, **r.values) for r in csv_rows if r.has(NAMES)]
    errors += [RowError(filename, r.number, "end", "ends before it starts") for r in rows if r.end < r.start]
    errors += csvfiles.duplicates(csv_rows, filename, lambda r: _identity(r.values) if r.has(NAMES) else None, "start")
    half_terms = sorted((r for r in rows if r.kind == HALF_TERM and r.end >= r.start), key=lambda r: r.start)
    errors += [
        RowError(filename, later.number, "start", f"overlaps the half-term on row {earlier.number}")
        for earlier, later in zip(half_terms, half_terms[1:], strict=False)
        if later.start <= earlier.end and later.start != earlier.start
    ]
    return Parsed(rows, sorted(errors, key=lambda e: e.row))


def _identity(values: dict) -> tuple:
    if values["kind"] == HALF_TERM:
        return (HALF_TERM, values["start"])
    return (values["kind"], values["start"], values["end"])


def _plan(school: School, rows: list[CalendarRow]) -> list[tuple[CalendarRow, object | None, str]]:
    """(row, the saved half-term or closure it matches or None, "new" | "updated" | "unchanged") for each row."""
    half_terms = {h.starts: h for h in HalfTerm.objects.for_trust(school.trust).filter(school=school)}
    closures = {(c.kind, c.starts, c.ends): c for c in Closure.objects.for_trust(school.trust).filter(school=school)}
    plan = []
    for row in rows:
        if row.kind == HALF_TERM:
            saved = half_terms.get(row.start)
            same = saved is not None and (saved.name, saved.ends) == (row.name, row.end)
        else:
            saved = closures.get((row.kind, row.start, row.end))
            same = saved is not None and saved.name == row.name
        plan.append((row, saved, "new" if saved is None else "unchanged" if same else "updated"))
    return plan


def preview(school: School, rows: list[CalendarRow]) -> Preview:
    plan = _plan(school, rows)
    counts = {outcome: sum(o == outcome for _, _, o in plan) for outcome in ("new", "updated", "unchanged")}
    sample = [f"{outcome}: {row}" for row, _, outcome in plan if outcome != "unchanged"]
    return Preview(counts, sample[: Preview.SAMPLE_SIZE])


@transaction.atomic
def apply(school: School, rows: list[CalendarRow], *, filename: str, recorded_by=None, on_progress=None) -> str:
    """Save the rows and rebuild the school days; returns a one-line summary."""
    plan = _plan(school, rows)
    for done, (row, saved, outcome) in enumerate(plan, start=1):
        if outcome == "new" and row.kind == HALF_TERM:
            HalfTerm.objects.create(trust=school.trust, school=school, name=row.name, starts=row.start, ends=row.end)
        elif outcome == "new":
            Closure.objects.create(
                trust=school.trust, school=school, kind=row.kind, name=row.name, starts=row.start, ends=row.end
            )
        elif outcome == "updated":
            saved.name = row.name
            if row.kind == HALF_TERM:
                saved.ends = row.end
            saved.save()
        if on_progress:
            on_progress(done)
    days = rebuild_school_days(school)
    new, updated = (sum(o == outcome for _, _, o in plan) for outcome in ("new", "updated"))
    return f"{new} new, {updated} updated, {len(plan) - new - updated} unchanged; {school.name} has {days} school days"
