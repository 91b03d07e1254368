"""A subject-access export: everything held on one pupil, as a ZIP of JSON files and the letters' PDFs.

SECTIONS names every table with a foreign key to Pupil; tests/privacy/test_subject_access.py walks the installed
models and fails when a table that points at a pupil is missing here, so a new table cannot be forgotten.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core import serializers
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from schools.models import Contact, Pupil

PupilRows = Callable[[Pupil], QuerySet]


@dataclass(frozen=True)
class Section:
    filename: str
    model: str  # "app_label.ModelName"
    description: str
    # The rows of this model about the pupil; by default those whose `pupil` field is the pupil.
    rows: PupilRows | None = None

    def queryset(self, pupil: Pupil) -> QuerySet:
        if self.rows:
            return self.rows(pupil)
        model = apps.get_model(self.model)
        return model._default_manager.filter(pupil=pupil, trust_id=pupil.trust_id).order_by("pk")


def _pupil(pupil: Pupil) -> QuerySet:
    return Pupil.objects.filter(pk=pupil.pk)


def _mark_history(pupil: Pupil) -> QuerySet:
    return (
        apps.get_model("registers.MarkEvent")
        .objects.filter(pupil_id=pupil.pk, trust_id=pupil.trust_id)
        .order_by("pgh_id")
    )


SECTIONS: tuple[Section, ...] = (
    Section(
        "pupil.json", "schools.Pupil", "The pupil's record: names, date of birth, UPN, groups, characteristics.", _pupil
    ),
    Section("enrolments.json", "schools.Enrolment", "Each school the pupil was on roll at, from and until."),
    Section("contact_links.json", "schools.PupilContact", "Parents and carers linked to the pupil, with priority."),
    Section("marks.json", "registers.Mark", "Every attendance mark (the register), as it stands now."),
    Section(
        "mark_history.json",
        "registers.MarkEvent",
        "Every version of every mark: insert, correction and deletion, who and when (kept by database triggers).",
        _mark_history,
    ),
    Section("attendance_by_week.json", "registers.PupilWeek", "Sessions counted per school week, from the marks."),
    Section("absence_reports.json", "registers.AbsenceReport", "Absences reported by parents and their outcome."),
    Section("leave_requests.json", "registers.LeaveRequest", "Requests for leave of absence and the decisions."),
    Section("contact_attempts.json", "interventions.ContactAttempt", "Calls, messages and home visits about absence."),
    Section("tasks.json", "interventions.Task", "Follow-up work for the attendance team about the pupil."),
    Section("case.json", "interventions.Case", "The pupil's place on the graduated response."),
    Section(
        "proposals.json", "interventions.Proposal", "What the graduated response proposed, its evidence, decisions."
    ),
    Section("meetings.json", "interventions.Meeting", "Attendance meetings, targets and outcomes."),
    Section("penalty_notices.json", "interventions.PenaltyNotice", "Penalty notices and notices to improve."),
    Section("letters.json", "letters.Letter", "Letters sent about the pupil (their PDFs are in letters/)."),
    Section("notifications.json", "schools.Notification", "Messages to staff about the pupil (concerns, alerts)."),
    Section("access_log.json", "privacy.AccessLogEntry", "Who viewed or exported the pupil's data, and when."),
    Section("anonymisation.json", "privacy.Anonymisation", "Whether, when and by which run the record was anonymised."),
)


def pupil_models() -> set[str]:
    """Every installed model with a foreign key, one-to-one or many-to-many field pointing at schools.Pupil."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model is Pupil:
                found.add(model._meta.label)
    return found


def _serialise(rows: QuerySet) -> str:
    """Django's JSON serialisation (model, pk, fields), users by username; stored PDFs are left to letters/."""
    model = rows.model
    fields = [
        f.name for f in model._meta.concrete_fields if not f.primary_key and not isinstance(f, models.BinaryField)
    ]
    return serializers.serialize("json", rows, fields=fields, indent=2, use_natural_foreign_keys=True)


def _contacts(pupil: Pupil) -> QuerySet:
    return Contact.objects.for_trust(pupil.trust).filter(pupil_links__pupil=pupil).distinct().order_by("pk")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "letter"


def build_zip(pupil: Pupil, *, requested_by: str) -> bytes:
    """The ZIP for `pupil`: README.txt, one JSON file per section (an empty list where nothing is held),
    contacts.json, and letters/letter-<id>-<code>.pdf for every stored letter copy."""
    buffer = io.BytesIO()
    held: list[tuple[str, str, int]] = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in SECTIONS:
            rows = section.queryset(pupil)
            text = _serialise(rows)
            archive.writestr(section.filename, text)
            held.append((section.filename, section.description, len(json.loads(text))))
        contacts = _contacts(pupil)
        archive.writestr("contacts.json", _serialise(contacts))
        held.append(
            ("contacts.json", "The parents' and carers' own records (names, phones, addresses).", len(contacts))
        )
        letters = pupil.letters.filter(trust_id=pupil.trust_id, pdf__isnull=False).order_by("pk")
        pdfs = 0
        for letter_id, code, pdf in letters.values_list("pk", "code", "pdf").iterator(chunk_size=50):
            archive.writestr(f"letters/letter-{letter_id}-{_safe(code)}.pdf", bytes(pdf))
            pdfs += 1
        archive.writestr("README.txt", _readme(pupil, held, pdfs, requested_by))
    return buffer.getvalue()


def _readme(pupil: Pupil, held: list[tuple[str, str, int]], pdfs: int, requested_by: str) -> str:
    lines = [
        "Subject-access export",
        "=====================",
        "",
        f"Pupil record {pupil.pk}, UPN {pupil.upn}, {pupil.legal_forename} {pupil.legal_surname}",
        f"Made {timezone.localtime():%d %B %Y at %H:%M} by {requested_by}.",
        "",
        "Everything Omega Attendance holds about this pupil. Each .json file is a list of records in Django's",
        'serialisation: {"model", "pk", "fields"}. Staff are named by username; other records by their number.',
        "",
        "Files (records in each):",
    ]
    lines += [f"  {name:<28} {count:>6}  {description}" for name, description, count in held]
    lines += [f"  {'letters/':<28} {pdfs:>6}  Each letter's stored PDF, as sent.", ""]
    return "\n".join(lines)
