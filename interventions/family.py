"""A pupil's case (stage, proposals, meetings, letters, tasks, notices) and their family across the trust.

Siblings at different schools of a trust share their parents' Contact rows (schools.PupilContact), so letters,
penalty notices and the notice ledger are per parent across the trust. Who sees what:

- a pupil's case and family are for the attendance office and the reviewers (attendance lead, headteacher) of a
  school the pupil is on roll at this academic year, and for trust leads; anyone else is told it does not exist;
- recording (meetings, notices) needs a reviewer of the school concerned;
- in the family view a sibling at a school the user does not work at shows only that school's name.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch

from letters.models import Letter
from schools.access import Access
from schools.calendar import academic_year
from schools.models import Contact, Enrolment, Pupil, PupilContact, School
from schools.queries import current_school

from . import ledger, penalty
from .models import Case, Meeting, PenaltyNotice, Proposal, Task
from .policies import in_force
from .review import ReviewRow, review_row
from .thresholds import Policy

MIN_TARGET_WEEKS = 4  # Omega Charter: targets set for at least 4 weeks; Waterton reviews after 4 school weeks
MAX_TARGET_WEEKS = 26


# --- Who may see a pupil's case -------------------------------------------------------------------------------------


def staff_school_ids(access: Access) -> set[int]:
    """Schools where the user works on cases: the attendance office and the reviewers."""
    return access.office_school_ids | access.review_school_ids


def _this_years_school_ids(pupil: Pupil, on: dt.date) -> set[int]:
    """Schools the pupil is on roll at this academic year, leavers included (as schools.access.scope_pupils)."""
    year_start = dt.date(academic_year(on), 8, 1)
    return {e.school_id for e in pupil.enrolments.all() if e.ends is None or e.ends >= year_start}


def pupil_for_case(access: Access, pupil_id: int, on: dt.date) -> Pupil:
    """The pupil with their enrolments and group loaded. Raises Pupil.DoesNotExist for another trust's pupil and for
    one at none of the user's case schools (the caller answers 404 for both)."""
    pupil = (
        Pupil.objects.for_trust(access.trust)
        .select_related("group")
        .prefetch_related(
            Prefetch("enrolments", queryset=Enrolment.objects.for_trust(access.trust).select_related("school"))
        )
        .get(pk=pupil_id)
    )
    if not access.is_trust_lead and not (_this_years_school_ids(pupil, on) & staff_school_ids(access)):
        raise Pupil.DoesNotExist
    return pupil


def stage_title(policy: Policy | None, stage: int) -> str:
    """e.g. "Stage 2: Below 95%", from the ladder rule of that stage; "Not on the ladder" for stage 0."""
    if not stage:
        return "Not on the ladder"
    title = next((r.title for r in (policy.ladder if policy else ()) if r.stage == stage and r.title), "")
    return f"Stage {stage}: {title}" if title else f"Stage {stage}"


# --- The ledger per parent ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParentLedger:
    """One parent's notices for one child and what the ledger allows next."""

    contact: Contact
    relationship: str
    rows: list[ledger.LedgerRow]
    next_step: penalty.NextStep
    next_step_text: str


def parent_ledger(contact: Contact, relationship: str, notices: list[PenaltyNotice], on: dt.date) -> ParentLedger:
    """For irregular attendance: the usual reason. A term-time holiday skips the Notice to Improve, which the text
    says when it is the step."""
    step = ledger.next_step_from(notices, on)
    text = ledger.describe(step)
    if step.step is not penalty.Step.PROSECUTION:
        text += ". A Notice to Improve may come first where support is appropriate (never for a term-time holiday)"
    return ParentLedger(contact, relationship, ledger.ledger_rows(notices), step, text)


# --- The case page --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFile:
    pupil: Pupil
    school: School | None  # the pupil's school now
    case: Case | None
    stage_title: str
    proposals: list[ReviewRow]
    meetings: list[Meeting]
    letters: list[Letter]
    tasks: list[Task]
    parents: list[ParentLedger]  # each contact with parental responsibility, then anyone else with notices
    can_record: bool  # the user reviews at the pupil's school: meetings and notices

    @property
    def stage(self) -> int:
        return self.case.stage if self.case else 0


def letters_for(pupils, trust, contacts=None):
    """Letters about these pupils (rows or ids), newest first, without their stored PDFs (the PDF route serves them)."""
    letters = Letter.objects.for_trust(trust).filter(pupil__in=pupils)
    if contacts is not None:
        letters = letters.filter(contact__in=contacts)
    return letters.select_related("contact", "batch").defer("pdf", "batch__pdf").order_by("-created_at", "-pk")


def case_file(access: Access, pupil: Pupil, on: dt.date) -> CaseFile:
    """Everything on one pupil's case; `pupil` comes from pupil_for_case."""
    trust = access.trust
    school = current_school(pupil, on)
    case = Case.objects.for_trust(trust).select_related("school").filter(pupil=pupil).first()
    policy = in_force(case.school if case else school)[1] if (case or school) else None
    proposals = (
        Proposal.objects.for_trust(trust)
        .filter(pupil=pupil)
        .select_related("pupil", "policy_version", "decided_by")
        .order_by("-evaluated_on", "-pk")
    )
    meetings = Meeting.objects.for_trust(trust).filter(pupil=pupil).select_related("school").order_by("-pk")
    tasks = (
        Task.objects.for_trust(trust)
        .filter(pupil=pupil, key__startswith="proposal:")
        .select_related("assignee", "completed_by")
        .order_by("-created_at", "-pk")
    )
    links = list(
        PupilContact.objects.for_trust(trust)
        .filter(pupil=pupil, parental_responsibility=True)
        .select_related("contact")
        .order_by("priority", "pk")
    )
    notices = defaultdict(list)
    contacts = {link.contact_id: (link.contact, link.relationship) for link in links}
    for notice in PenaltyNotice.objects.for_trust(trust).filter(pupil=pupil).select_related("contact", "recorded_by"):
        notices[notice.contact_id].append(notice)
        contacts.setdefault(notice.contact_id, (notice.contact, "no parental responsibility now recorded"))
    return CaseFile(
        pupil=pupil,
        school=school,
        case=case,
        stage_title=stage_title(policy, case.stage if case else 0),
        proposals=[review_row(p) for p in proposals],
        meetings=list(meetings),
        letters=list(letters_for([pupil], trust)),
        tasks=list(tasks),
        parents=[parent_ledger(c, rel, notices[pk], on) for pk, (c, rel) in contacts.items()],
        can_record=school is not None and school.pk in access.review_school_ids,
    )


# --- Meetings -------------------------------------------------------------------------------------------------------


class MeetingNotPlanned(ValueError):
    pass


def review_day(held_on: dt.date, target_weeks: int) -> dt.date:
    """When the targets are reviewed by default: `target_weeks` weeks after the meeting."""
    return held_on + dt.timedelta(weeks=target_weeks)


def record_meeting_held(
    meeting: Meeting,
    *,
    held_on: dt.date,
    target_pct: Decimal,
    target_weeks: int,
    review_on: dt.date | None = None,
    notes: str = "",
) -> Meeting:
    """Record a planned meeting as held, with the attendance target, its period and the review day (by default
    `target_weeks` weeks on). Raises MeetingNotPlanned when it was already held or cancelled (by someone else)."""
    review_on = review_on or review_day(held_on, target_weeks)
    fields = {
        "status": Meeting.Status.HELD,
        "held_on": held_on,
        "target_pct": target_pct,
        "target_weeks": target_weeks,
        "review_on": review_on,
    }
    if notes.strip():
        fields["notes"] = "\n\n".join(n for n in (meeting.notes, notes.strip()) if n)
    with transaction.atomic():
        if not Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.PLANNED).update(**fields):
            raise MeetingNotPlanned("This meeting was already recorded as held or cancelled.")
    meeting.refresh_from_db()
    return meeting


def cancel_meeting(meeting: Meeting, *, reason: str = "") -> Meeting:
    """Cancel a planned meeting. Raises MeetingNotPlanned when it was already held or cancelled."""
    fields: dict[str, object] = {"status": Meeting.Status.CANCELLED}
    if reason.strip():
        fields["notes"] = "\n\n".join(n for n in (meeting.notes, f"Cancelled: {reason.strip()}") if n)
    if not Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.PLANNED).update(**fields):
        raise MeetingNotPlanned("This meeting was already recorded as held or cancelled.")
    meeting.refresh_from_db()
    return meeting


# --- The family view ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Child:
    """One child linked to a parent. Only the school is known of a child the user may not see (`visible` False)."""

    pupil: Pupil
    school: School | None
    visible: bool
    relationship: str
    stage: int = 0
    stage_title: str = ""
    open_proposals: tuple[Proposal, ...] = ()
    letters: tuple[Letter, ...] = ()
    ledger: ParentLedger | None = None


@dataclass(frozen=True)
class Parent:
    contact: Contact
    relationship: str  # to the pupil the page is about
    children: list[Child]  # the pupil first, then siblings by name


def family_of(access: Access, pupil: Pupil, on: dt.date) -> list[Parent]:
    """Each contact with parental responsibility for `pupil`, with every child of the trust linked to them.

    A fixed number of queries however many parents and children: the links, the children's cases, open proposals,
    letters and notices are each read once, plus the policy in force for each school shown.
    """
    trust = access.trust
    parents = list(
        PupilContact.objects.for_trust(trust)
        .filter(pupil=pupil, parental_responsibility=True)
        .select_related("contact")
        .order_by("priority", "pk")
    )
    contact_ids = [link.contact_id for link in parents]
    links = list(
        PupilContact.objects.for_trust(trust)
        .filter(contact__in=contact_ids)
        .select_related("pupil", "contact")
        .prefetch_related(
            Prefetch("pupil__enrolments", queryset=Enrolment.objects.for_trust(trust).select_related("school"))
        )
        .order_by("pupil__legal_surname", "pupil__legal_forename", "pupil_id")
    )
    children = {link.pupil_id: link.pupil for link in links}
    schools = {pk: current_school(child, on) for pk, child in children.items()}
    allowed = staff_school_ids(access)
    seen = {pk for pk, school in schools.items() if school and (access.is_trust_lead or school.pk in allowed)} | {
        pupil.pk
    }
    cases = {c.pupil_id: c for c in Case.objects.for_trust(trust).filter(pupil__in=seen).select_related("school")}
    proposals = defaultdict(list)
    for proposal in Proposal.objects.for_trust(trust).filter(pupil__in=seen, status=Proposal.Status.PROPOSED):
        proposals[proposal.pupil_id].append(proposal)
    letters = defaultdict(list)
    for letter in letters_for(list(seen), trust, contact_ids):
        letters[(letter.contact_id, letter.pupil_id)].append(letter)
    notices = defaultdict(list)
    for notice in PenaltyNotice.objects.for_trust(trust).filter(pupil__in=seen, contact__in=contact_ids):
        notices[(notice.contact_id, notice.pupil_id)].append(notice)
    policies: dict[int, Policy] = {}

    def policy_at(school: School) -> Policy:
        if school.pk not in policies:
            policies[school.pk] = in_force(school)[1]
        return policies[school.pk]

    def child(link: PupilContact) -> Child:
        kid, school = link.pupil, schools[link.pupil_id]
        if kid.pk not in seen:
            return Child(kid, school, False, link.relationship)
        case = cases.get(kid.pk)
        stage = case.stage if case else 0
        policy_school = case.school if case else school
        key = (link.contact_id, kid.pk)
        return Child(
            pupil=kid,
            school=school,
            visible=True,
            relationship=link.relationship,
            stage=stage,
            stage_title=stage_title(policy_at(policy_school) if policy_school and stage else None, stage),
            open_proposals=tuple(proposals[kid.pk]),
            letters=tuple(letters[key]),
            ledger=parent_ledger(link.contact, link.relationship, notices[key], on),
        )

    by_contact = defaultdict(list)
    for link in links:
        by_contact[link.contact_id].append(child(link))
    return [
        Parent(
            contact=link.contact,
            relationship=link.relationship,
            children=sorted(by_contact[link.contact_id], key=lambda c: c.pupil.pk != pupil.pk),
        )
        for link in parents
    ]
