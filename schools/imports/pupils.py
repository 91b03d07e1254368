"""Pupil files: one pupil a row, matched on UPN within the trust.

Columns: upn,surname,forename,dob,gender,year,group,fsm,sen,eal, and optionally preferred_surname,
preferred_forename, pupil_premium, looked_after, social_worker, child_protection_plan, watch_list_reason (any text
puts the pupil on the watch list), admission_date (default: today) and leaving_date.

An existing UPN updates that pupil. A column left out of the file leaves that detail of existing pupils as it is,
so a file without safeguarding columns never clears a flag. `group` names the registration group at this school
(created with the row's year group if new); an empty cell takes the pupil out of any group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.db import transaction
from django.utils import timezone

from schools.models import Enrolment, Pupil, RegistrationGroup, School

from . import cells, csvfiles, enrolments
from .csvfiles import Column
from .results import Parsed, Preview, RowError

COLUMNS = (
    Column("upn", cells.upn),
    Column("surname"),
    Column("forename"),
    Column("dob", cells.iso_date),
    Column("gender", cells.choice(*Pupil.Gender.values)),
    Column("year", cells.year_group),
    Column("group", blank=True, default=""),
    Column("fsm", cells.boolean),
    Column("sen", cells.choice(*Pupil.SEN.values)),
    Column("eal", cells.boolean),
    Column("preferred_surname", required=False, default=""),
    Column("preferred_forename", required=False, default=""),
    Column("pupil_premium", cells.boolean, required=False, default=False),
    Column("looked_after", cells.boolean, required=False, default=False),
    Column("social_worker", cells.boolean, required=False, default=False),
    Column("child_protection_plan", cells.boolean, required=False, default=False),
    Column("watch_list_reason", required=False, default=""),
    Column("admission_date", cells.iso_date, required=False),
    Column("leaving_date", cells.iso_date, required=False),
)
REQUIRED = {c.name for c in COLUMNS if c.required and not c.blank}

# Row attribute -> Pupil field, for the details a row may set.
PUPIL_FIELDS = {
    "surname": "legal_surname",
    "forename": "legal_forename",
    "dob": "date_of_birth",
    "gender": "gender",
    "year": "year_group",
    "fsm": "fsm",
    "sen": "sen",
    "eal": "eal",
    "preferred_surname": "preferred_surname",
    "preferred_forename": "preferred_forename",
    "pupil_premium": "pupil_premium",
    "looked_after": "looked_after",
    "social_worker": "social_worker",
    "child_protection_plan": "child_protection_plan",
}


@dataclass(frozen=True)
class PupilRow:
    """One pupil as a file gives them; None means the file does not say (an existing pupil keeps their value)."""

    number: int
    upn: str
    surname: str
    forename: str
    dob: dt.date
    gender: str
    year: str
    group: str | None = None
    fsm: bool | None = None
    sen: str | None = None
    eal: bool | None = None
    preferred_surname: str | None = None
    preferred_forename: str | None = None
    pupil_premium: bool | None = None
    looked_after: bool | None = None
    social_worker: bool | None = None
    child_protection_plan: bool | None = None
    watch_list_reason: str | None = None
    admission_date: dt.date | None = None
    leaving_date: dt.date | None = None
    admission_is_exact: bool = True  # False: admission_date is only the latest the pupil can have joined

    def __str__(self) -> str:
        return f"{self.upn} {self.forename} {self.surname}, year {self.year}"


_ROW_FIELDS = {f.name for f in fields(PupilRow)}


def parse(school: School, filename: str, content: bytes) -> Parsed[PupilRow]:
    """Pupil rows, or every error: bad cells, a UPN twice in the file, dates that cannot be right."""
    csv_rows, errors = csvfiles.read(content, filename, COLUMNS)
    today = timezone.localdate()
    errors += csvfiles.duplicates(csv_rows, filename, lambda r: r.values.get("upn"), "upn")
    rows = []
    for r in csv_rows:
        v = r.values
        if "dob" in v and v["dob"] >= today:
            errors.append(RowError(filename, r.number, "dob", "the date of birth is not in the past"))
        if v.get("leaving_date") and v["leaving_date"] < (v.get("admission_date") or today):
            errors.append(RowError(filename, r.number, "leaving_date", "is before the admission date"))
        if r.has(REQUIRED):
            rows.append(PupilRow(r.number, **{k: value for k, value in v.items() if k in _ROW_FIELDS}))
    return Parsed(rows, sorted(errors, key=lambda e: e.row))


@dataclass
class PupilPlan:
    row: PupilRow
    pupil: Pupil | None  # the trust's pupil with this UPN, or None for a new pupil
    changes: dict[str, object]  # Pupil field -> new value (for a new pupil: every field the row gives)
    group_name: str | None  # the group to put the pupil in ("" for none), or None to leave it
    enrolment: enrolments.EnrolmentPlan

    @property
    def outcome(self) -> str:
        if self.pupil is None:
            return "new"
        return "updated" if self.changes or self.enrolment.changes_anything else "unchanged"


def plan(school: School, rows: list[PupilRow]) -> list[PupilPlan]:
    """What saving `rows` at `school` would change, pupil by pupil (reads only)."""
    today = timezone.localdate()
    existing = {
        p.upn: p
        for p in Pupil.objects.for_trust(school.trust)
        .filter(upn__in=[r.upn for r in rows])
        .select_related("group")
        .prefetch_related("enrolments")
    }
    plans = []
    for row in rows:
        pupil = existing.get(row.upn)
        wanted = {field: getattr(row, attr) for attr, field in PUPIL_FIELDS.items() if getattr(row, attr) is not None}
        if row.watch_list_reason is not None:
            wanted |= {"watch_list": bool(row.watch_list_reason), "watch_list_reason": row.watch_list_reason}
        changes = wanted if pupil is None else {f: v for f, v in wanted.items() if getattr(pupil, f) != v}
        group_name = _group_change(pupil, school, row.group)
        enrolment = enrolments.plan(
            list(pupil.enrolments.all()) if pupil else [],
            school.pk,
            row.admission_date,
            row.leaving_date,
            today,
            admission_is_exact=row.admission_is_exact,
        )
        if group_name is not None and pupil is not None:
            changes = changes | {"group": group_name}
        plans.append(PupilPlan(row, pupil, changes, group_name, enrolment))
    return plans


def _group_change(pupil: Pupil | None, school: School, wanted: str | None) -> str | None:
    """The group name to set ("" for no group), or None when the pupil's group stays as it is.

    A pupil joining from another school of the trust leaves that school's group even when the file names none.
    """
    current = pupil.group if pupil else None
    here = current is not None and current.school_id == school.pk
    if wanted is None:
        return "" if current is not None and not here else None
    if wanted == "":
        return "" if current is not None else None
    return None if here and current.name == wanted else wanted


def preview(school: School, rows: list[PupilRow]) -> Preview:
    plans = plan(school, rows)
    counts = {outcome: sum(p.outcome == outcome for p in plans) for outcome in ("new", "updated", "unchanged")}
    counts["joining from another school of the trust"] = sum(bool(p.enrolment.close) for p in plans)
    sample = [_describe(p) for p in plans if p.outcome != "unchanged"]
    return Preview(counts, sample[: Preview.SAMPLE_SIZE])


def _describe(p: PupilPlan) -> str:
    if p.pupil is None:
        return f"new: {p.row}"
    changed = sorted(p.changes) + (["enrolment"] if p.enrolment.changes_anything else [])
    return f"updated: {p.row} ({', '.join(f.replace('_', ' ') for f in changed)})"


@transaction.atomic
def apply(school: School, rows: list[PupilRow], *, filename: str, recorded_by=None, on_progress=None) -> str:
    """Create and update the pupils, their groups and enrolments; returns a one-line summary."""
    plans = plan(school, rows)
    save(school, plans, on_progress=on_progress)
    new, updated = (sum(p.outcome == outcome for p in plans) for outcome in ("new", "updated"))
    moved = sum(bool(p.enrolment.close) for p in plans)
    return f"{new} new, {updated} updated, {len(plans) - new - updated} unchanged" + (
        f"; {moved} joined from another school of the trust" if moved else ""
    )


def save(school: School, plans: list[PupilPlan], on_progress=None) -> dict[str, Pupil]:
    """Write the planned pupils (the caller holds the transaction); returns the pupils by UPN."""
    groups = {g.name: g for g in RegistrationGroup.objects.for_trust(school.trust).filter(school=school)}
    saved = {}
    for done, p in enumerate(plans, start=1):
        values = {f: v for f, v in p.changes.items() if f != "group"}
        if p.group_name is not None:
            values["group"] = _group(school, groups, p.group_name, p.row.year)
        if p.pupil is None:
            pupil = Pupil.objects.create(trust=school.trust, upn=p.row.upn, **values)
        else:
            pupil = p.pupil
            if values:
                for f, v in values.items():
                    setattr(pupil, f, v)
                pupil.save(update_fields=list(values))
        _enrol(school, pupil, p.enrolment)
        saved[pupil.upn] = pupil
        if on_progress:
            on_progress(done)
    return saved


def _group(school: School, groups: dict[str, RegistrationGroup], name: str, year: str) -> RegistrationGroup | None:
    if not name:
        return None
    if name not in groups:
        groups[name] = RegistrationGroup.objects.create(trust=school.trust, school=school, name=name, year_group=year)
    return groups[name]


def _enrol(school: School, pupil: Pupil, change: enrolments.EnrolmentPlan) -> None:
    for enrolment, ends in change.close:
        enrolment.ends = ends
        enrolment.save(update_fields=["ends"])
    if change.update:
        enrolment, starts, ends = change.update
        enrolment.starts, enrolment.ends = starts, ends
        enrolment.save(update_fields=["starts", "ends"])
    if change.create:
        starts, ends = change.create
        Enrolment.objects.create(trust=school.trust, pupil=pupil, school=school, starts=starts, ends=ends)
