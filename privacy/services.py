"""Applying a trust's retention period: anonymising leavers' personal data while every statistic stays the same.

What happens to each table that points at a pupil is written down in HANDLING; tests/privacy/test_retention.py
fails when a table with a pupil foreign key is not listed there. Marks are never deleted: they stay attached to the
anonymised pupil with their codes, dates and sessions, so the register and every figure are unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import pgtrigger
from django.db import transaction
from django.db.models import Max, ProtectedError, Q
from django.utils import timezone

from interventions.models import ContactAttempt, Meeting, PenaltyNotice, Proposal, Task
from letters.models import Letter, LetterBatch
from registers.models import AbsenceReport, LeaveRequest, Mark
from schools.models import Contact, Enrolment, Notification, Pupil, PupilContact, Trust

from . import retention
from .models import Anonymisation, RetentionRun

ANONYMISED_NAME = "Anonymised"
ANONYMISED_CONTACT = "Anonymised contact"
ANONYMISED_MESSAGE = "About a former pupil whose personal data has been anonymised."
# The dismissal of a proposal must carry a reason (a database constraint); the reason's words are removed.
ANONYMISED_REASON = "Removed when the pupil's record was anonymised."

# Every table with a pupil foreign key, and what anonymisation does to it.
HANDLING: dict[str, str] = {
    "schools.Pupil": "names removed, UPN replaced by ANON<id>, date of birth coarsened to 1 September of its "
    "academic year, watch-list reason removed; gender, year group, group and characteristics kept for statistics",
    "schools.Enrolment": "kept: the dates on roll that every figure counts within",
    "schools.PupilContact": "deleted; a contact with no other child is deleted too (or emptied where a kept letter "
    "or penalty notice still names it)",
    "schools.Notification": "message replaced, link removed",
    "registers.Mark": "kept with its code, date and session; the free-text note and reason blanked",
    "registers.MarkEvent": "kept; the free-text note and reason blanked in every version",
    "registers.PupilWeek": "kept: counts only",
    "registers.AbsenceReport": "kept with its code and dates; reporter's name, reason and decision note blanked",
    "registers.LeaveRequest": "kept with its kind, dates and decision; reason and decision note blanked",
    "interventions.ContactAttempt": "kept with its method and outcome; note blanked, contact unlinked",
    "interventions.Task": "kept with its kind and status; title set to the kind, reason and outcome blanked",
    "interventions.Case": "kept: the stage",
    "interventions.Proposal": "kept with its rule and figures; dismissal reason replaced",
    "interventions.Meeting": "kept with its targets and outcome; attendees and notes blanked",
    "interventions.PenaltyNotice": "kept with its kind, amount and status; note blanked",
    "letters.Letter": "kept as a record that a letter was sent; PDF, addressee, address and figures removed, and the "
    "merged PDF of its batch removed",
    "privacy.AccessLogEntry": "kept: append-only, and it names no one but by record number",
    "privacy.Anonymisation": "written: the record of this anonymisation",
}


@dataclass
class RunResult:
    """What one trust's run did, or in a dry run would do."""

    trust: Trust
    on: dt.date
    years: int
    due: list[int] = field(default_factory=list)
    held_back: list[int] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    run: RetentionRun | None = None


def due_pupils(trust: Trust, on: dt.date) -> tuple[list[int], list[int]]:
    """(due, held back) pupil ids of `trust` on `on`, neither already anonymised.

    Due: every enrolment has ended, the last more than the trust's period before `on`. Held back: due, but with a
    register entry under six years old (a mark after the last enrolment ended): the register must keep naming them.
    """
    before = retention.anonymise_before(on, trust.leaver_retention_years)
    open_enrolments = Enrolment.objects.for_trust(trust).filter(ends__isnull=True).values("pupil_id")
    left = (
        Pupil.objects.for_trust(trust)
        .filter(anonymisation__isnull=True, enrolments__isnull=False)
        .exclude(pk__in=open_enrolments)
        .annotate(left_on=Max("enrolments__ends"))
        .filter(left_on__lt=before)
    )
    ids = list(left.order_by("pk").values_list("pk", flat=True))
    recent = set(
        Mark.objects.for_trust(trust)
        .filter(pupil_id__in=ids, date__gte=retention.register_kept_from(on))
        .values_list("pupil_id", flat=True)
        .distinct()
    )
    return [i for i in ids if i not in recent], sorted(recent)


def apply_retention(trust: Trust, on: dt.date, *, source: str, dry_run: bool = False) -> RunResult:
    """Anonymise every pupil of `trust` due on `on`, each in its own transaction, and record the run.

    Safe to run twice or concurrently: a pupil is claimed under a row lock and skipped once anonymised. A dry run
    reports who is due and changes nothing.
    """
    due, held_back = due_pupils(trust, on)
    result = RunResult(trust=trust, on=on, years=trust.leaver_retention_years, due=due, held_back=held_back)
    if dry_run:
        return result
    run = RetentionRun.objects.create(
        trust=trust,
        on=on,
        years=trust.leaver_retention_years,
        source=source,
        started_at=timezone.now(),
        skipped=len(held_back),
    )
    for pupil_id in due:
        result.counts += anonymise_pupil(trust, pupil_id, run)
    run.pupils = result.counts["pupils"]
    run.contacts_deleted = result.counts["contacts_deleted"]
    run.contacts_scrubbed = result.counts["contacts_scrubbed"]
    run.letters_cleared = result.counts["letters"]
    run.finished_at = timezone.now()
    run.save()
    result.run = run
    return result


@transaction.atomic
def anonymise_pupil(trust: Trust, pupil_id: int, run: RetentionRun) -> Counter:
    """Remove one pupil's personal data; a Counter of what changed (empty if already anonymised or gone)."""
    pupil = Pupil.objects.for_trust(trust).select_for_update().filter(pk=pupil_id).first()
    if pupil is None or Anonymisation.objects.filter(pupil_id=pupil_id).exists():
        return Counter()
    counts: Counter = Counter(pupils=1)
    counts += _contacts(trust, pupil)
    counts += _records(trust, pupil)
    counts += _letters(trust, pupil)
    counts += _marks(trust, pupil)
    _pupil(pupil)
    left_on = Enrolment.objects.for_trust(trust).filter(pupil=pupil).aggregate(last=Max("ends"))["last"]
    Anonymisation.objects.create(
        trust=trust,
        pupil=pupil,
        run=run,
        left_on=left_on,
        anonymised_at=timezone.now(),
        counts={k: v for k, v in counts.items() if k != "pupils"},
    )
    return counts


def _pupil(pupil: Pupil) -> None:
    pupil.legal_surname = ANONYMISED_NAME
    pupil.legal_forename = ANONYMISED_NAME
    pupil.preferred_surname = pupil.preferred_forename = ""
    pupil.upn = retention.anonymous_upn(pupil.pk)
    pupil.date_of_birth = retention.coarse_date_of_birth(pupil.date_of_birth)
    pupil.watch_list = False
    pupil.watch_list_reason = ""
    pupil.save()


def _contacts(trust: Trust, pupil: Pupil) -> Counter:
    counts: Counter = Counter()
    links = PupilContact.objects.for_trust(trust).filter(pupil=pupil)
    contact_ids = list(links.values_list("contact_id", flat=True))
    counts["contact_links"] = links.delete()[0]
    others = set(
        PupilContact.objects.for_trust(trust).filter(contact_id__in=contact_ids).values_list("contact_id", flat=True)
    )
    for contact in Contact.objects.for_trust(trust).filter(pk__in=contact_ids).exclude(pk__in=others):
        try:
            with transaction.atomic():
                contact.delete()
            counts["contacts_deleted"] += 1
        except ProtectedError:
            # A kept letter or penalty notice still points at the parent: the record stays, emptied.
            Contact.objects.filter(pk=contact.pk).update(
                name=ANONYMISED_CONTACT, phone="", phone_alt="", email="", address="", postcode=""
            )
            counts["contacts_scrubbed"] += 1
    return counts


def _records(trust: Trust, pupil: Pupil) -> Counter:
    """Free text blanked and contacts unlinked in the follow-up records; their codes, dates and outcomes stay."""
    mine = {"trust": trust, "pupil": pupil}
    counts: Counter = Counter()
    counts["absence_reports"] = AbsenceReport.objects.filter(**mine).update(
        reported_by="", reason="", decision_note="", contact=None
    )
    counts["leave_requests"] = LeaveRequest.objects.filter(**mine).update(reason="", decision_note="", contact=None)
    counts["contact_attempts"] = ContactAttempt.objects.filter(**mine).update(note="", contact=None)
    for kind, label in Task.Kind.choices:
        counts["tasks"] += Task.objects.filter(**mine, kind=kind).update(title=label, why="", outcome="")
    proposals = Proposal.objects.filter(**mine).exclude(dismissal_reason="")
    counts["proposals"] = proposals.update(dismissal_reason=ANONYMISED_REASON)
    counts["meetings"] = Meeting.objects.filter(**mine).update(attendees="", notes="")
    counts["penalty_notices"] = PenaltyNotice.objects.filter(**mine).exclude(note="").update(note="")
    counts["notifications"] = Notification.objects.filter(**mine).update(message=ANONYMISED_MESSAGE, url="")
    return counts


def _letters(trust: Trust, pupil: Pupil) -> Counter:
    letters = Letter.objects.for_trust(trust).filter(pupil=pupil)
    # A batch's merged PDF holds this pupil's letters among others': it is only a print run, and each other
    # letter keeps its own copy, so the merged file goes.
    batches = LetterBatch.objects.for_trust(trust).filter(pk__in=letters.values("batch_id"), pdf__isnull=False)
    counts = Counter(letter_batches=batches.update(pdf=None))
    counts["letters"] = letters.update(pdf=None, addressee="", address="", figures={})
    return counts


def _marks(trust: Trust, pupil: Pupil) -> Counter:
    """Blank the free text of the pupil's marks and of every stored version of them, codes untouched.

    The history trigger is held off for this update: blanking a note is not a correction of the register, and a new
    version would only copy the words being removed into the history again.
    """
    MarkEvent = Mark.pgh_event_model
    with pgtrigger.ignore("registers.Mark:update_update"):
        marks = Mark.objects.for_trust(trust).filter(pupil=pupil).filter(~Q(note="") | ~Q(reason=""))
        counts = Counter(mark_notes=marks.update(note="", reason=""))
    versions = MarkEvent.objects.filter(trust_id=trust.pk, pupil_id=pupil.pk).filter(~Q(note="") | ~Q(reason=""))
    counts["mark_history_notes"] = versions.update(note="", reason="")
    return counts
