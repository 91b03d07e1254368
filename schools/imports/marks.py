"""Mark files: one session mark a row (columns upn,date,session,code and optionally minutes_late).

Codes go through registers.codes.resolve, so a code withdrawn in 2024 (H, J, Y, F) is refused with the reason.
Every mark is written through registers.services.upsert_marks: importing the same file again changes nothing, and
a changed code is a correction whose earlier version stays in the mark's history, with the file named as the reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from registers import codes
from registers.models import Mark
from registers.services import MarkInput, upsert_marks
from schools.models import Enrolment, Pupil, School, SchoolDay

from . import cells, csvfiles
from .csvfiles import Column
from .results import Parsed, Preview, RowError

COLUMNS = (
    Column("upn", cells.upn),
    Column("date", cells.iso_date),
    Column("session", cells.choice(*Mark.Session.values)),
    Column("code"),
    Column("minutes_late", cells.whole_number(0, 600), required=False),
)
REQUIRED = {c.name for c in COLUMNS if c.required}


@dataclass(frozen=True)
class MarkRow:
    number: int
    upn: str
    mark: MarkInput

    def __str__(self) -> str:
        m = self.mark
        return f"{self.upn} {m.date:%a %d %b %Y} {m.session} {m.code}"


def resolve_code(school: School, value: str) -> tuple[str, str]:
    """(statutory code, local sub-code) for a code cell; ValueError with the reason for a code not in use."""
    try:
        return school.resolve_code(value)
    except codes.UnknownCode as e:
        raise ValueError(str(e)) from None


def parse(school: School, filename: str, content: bytes) -> Parsed[MarkRow]:
    """Mark rows, or every error: bad cells and codes, a UPN not in the trust, a day that is not a school day, a
    pupil not on the school's roll that day, the same session twice in the file."""
    csv_rows, errors = csvfiles.read(content, filename, COLUMNS)
    errors += csvfiles.duplicates(
        csv_rows,
        filename,
        lambda r: (r.values["upn"], r.values["date"], r.values["session"]) if r.has(REQUIRED) else None,
        "session",
    )
    complete = [r for r in csv_rows if r.has(REQUIRED)]
    pupils = pupils_by_upn(school, {r.values["upn"] for r in complete})
    dates = {r.values["date"] for r in complete}
    school_days = school_days_among(school, dates)
    on_roll = enrolled_on(school, pupils.values(), dates)
    rows = []
    for r in complete:
        v = r.values
        try:
            code, local_code = resolve_code(school, v["code"])
        except ValueError as e:
            errors.append(RowError(filename, r.number, "code", str(e)))
            continue
        if v["date"] not in school_days:
            errors.append(RowError(filename, r.number, "date", f"{v['date']:%a %d %b %Y} is not a school day here"))
        pupil = pupils.get(v["upn"])
        if pupil is None:
            errors.append(RowError(filename, r.number, "upn", f"no pupil of {school.trust} has UPN {v['upn']}"))
            continue
        if (pupil.pk, v["date"]) not in on_roll:
            message = f"{pupil.display_name} was not on {school.name}'s roll on {v['date']:%a %d %b %Y}"
            errors.append(RowError(filename, r.number, "upn", message))
        minutes = v.get("minutes_late")
        if minutes is not None and code not in codes.LATE:
            errors.append(RowError(filename, r.number, "minutes_late", f"minutes late only go with L or U, not {code}"))
        mark = MarkInput(pupil.pk, v["date"], v["session"], code, local_code=local_code, minutes_late=minutes)
        rows.append(MarkRow(r.number, v["upn"], mark))
    return Parsed(rows, sorted(errors, key=lambda e: e.row))


def pupils_by_upn(school: School, upns: set[str]) -> dict[str, Pupil]:
    return {p.upn: p for p in Pupil.objects.for_trust(school.trust).filter(upn__in=upns)}


def school_days_among(school: School, dates: set[dt.date]) -> set[dt.date]:
    return set(
        SchoolDay.objects.for_trust(school.trust).filter(school=school, date__in=dates).values_list("date", flat=True)
    )


def enrolled_on(school: School, pupils, dates: set[dt.date]) -> set[tuple[int, dt.date]]:
    """(pupil id, date) for each of `dates` on which each pupil was on the school's roll."""
    if not dates:
        return set()
    first, last = min(dates), max(dates)
    spans = defaultdict(list)
    for pupil_id, starts, ends in (
        Enrolment.objects.for_trust(school.trust)
        .filter(school=school, pupil__in=list(pupils), starts__lte=last)
        .filter(Q(ends__isnull=True) | Q(ends__gte=first))
        .values_list("pupil_id", "starts", "ends")
    ):
        spans[pupil_id].append((starts, ends))
    return {
        (pupil_id, day)
        for pupil_id, pupil_spans in spans.items()
        for day in dates
        if any(starts <= day and (ends is None or day <= ends) for starts, ends in pupil_spans)
    }


def preview(school: School, rows: list[MarkRow]) -> Preview:
    return preview_marks(school, [r.mark for r in rows], {r.mark: r for r in rows})


def preview_marks(school: School, marks: list[MarkInput], described: dict | None = None) -> Preview:
    """Counts of new, corrected and unchanged marks, and a sample of the corrections (what they change from)."""
    existing = {
        (m.pupil_id, m.date, m.session): m
        for m in Mark.objects.for_trust(school.trust).filter(
            pupil_id__in={m.pupil_id for m in marks}, date__in={m.date for m in marks}
        )
    }
    counts = {"new": 0, "corrected": 0, "unchanged": 0}
    sample = []
    for m in marks:
        current = existing.get((m.pupil_id, m.date, m.session))
        label = str(described[m]) if described else f"{m.date:%a %d %b %Y} {m.session} {m.code}"
        if current is None:
            counts["new"] += 1
            sample.append(f"new: {label}")
        elif (current.code, current.local_code, current.minutes_late) == (m.code, m.local_code, m.minutes_late):
            counts["unchanged"] += 1
        else:
            counts["corrected"] += 1
            sample.append(f"corrected from {current.code}: {label}")
    sample.sort(key=lambda line: not line.startswith("corrected"))
    return Preview(counts, sample[: Preview.SAMPLE_SIZE])


def apply(school: School, rows: list[MarkRow], *, filename: str, recorded_by=None, on_progress=None) -> str:
    """Record the marks (one transaction, in upsert_marks); returns a one-line summary."""
    result = upsert_marks(
        school=school,
        marks=[r.mark for r in rows],
        source=Mark.Source.IMPORT,
        recorded_by=recorded_by,
        reason=f"Imported from {filename}",
        on_progress=on_progress,
    )
    return f"{result} marks"
