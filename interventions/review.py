"""A leader's review of the engine's proposals: approving carries out their actions, dismissing records why.

Both claim each proposal with a conditional UPDATE (only a proposal still awaiting review moves on), inside one
transaction, so a double submit or two leaders deciding at once act on a proposal once; the one who came second is
told how many had already been decided. Approval carries out the actions in the same transaction:

- letters go into one letter batch per school for everything approved together (letters.batches),
- meetings are planned (no date yet: the office arranges it with the family),
- referrals, tasks and penalty-notice considerations become tasks for the attendance office, assigned to nobody so
  that an officer takes them from the tasks page; a penalty consideration states the ledger's next step per parent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, QuerySet
from django.template.defaultfilters import pluralize
from django.utils import timezone

from letters.batches import LetterRequest, start_batch
from letters.models import LetterBatch
from schools.models import PupilContact, School

from . import ledger, penalty
from .models import Meeting, PenaltyNotice, Proposal, Task
from .thresholds import ActionKind, Kind, MeetingKind, ReferralKind

TASK_DUE_AFTER = dt.timedelta(days=7)
RECENT_DECISIONS = 20

MEETING_TITLES = {
    MeetingKind.ATTENDANCE_IMPROVEMENT: "Attendance Improvement Meeting",
    MeetingKind.FURTHER_ATTENDANCE_IMPROVEMENT: "Further Attendance Improvement Meeting",
    MeetingKind.STAGE1_REVIEW: "Stage 1 absence review meeting",
    MeetingKind.STAGE2_SERIOUS_CONCERN: "Stage 2 serious concern meeting",
}
REFERRAL_TITLES = {
    ReferralKind.LA_ATTENDANCE_SUPPORT: "Referral to the LA Attendance Support Team",
    ReferralKind.EDUCATION_WELFARE: "Referral to the LA Education Welfare Service",
    ReferralKind.SOCIAL_CARE: "Referral to children's social care",
    ReferralKind.CHILDREN_MISSING_EDUCATION: "Children Missing Education referral",
    ReferralKind.SECTION_19: "Notify the local authority (section 19)",
}


class DismissalNeedsReason(ValueError):
    pass


# --- Deciding ---------------------------------------------------------------------------------------------------------


@dataclass
class ApprovalResult:
    approved: list[Proposal] = field(default_factory=list)
    already_decided: int = 0
    batches: list[LetterBatch] = field(default_factory=list)
    letters: int = 0  # letter actions approved; the batch writes one letter to each parent for each
    meetings: list[Meeting] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)

    def summary(self) -> str:
        """e.g. "3 approved: 2 letters in a letter batch, 1 meeting planned, 4 tasks for the office"."""
        if not self.approved:
            return "Nothing approved: every proposal chosen had already been decided."
        effects = []
        if self.letters:
            where = "a letter batch" if len(self.batches) == 1 else f"{len(self.batches)} letter batches"
            effects.append(f"{self.letters} letter{pluralize(self.letters)} in {where}")
        if self.meetings:
            effects.append(f"{len(self.meetings)} meeting{pluralize(len(self.meetings))} planned")
        if self.tasks:
            effects.append(f"{len(self.tasks)} task{pluralize(len(self.tasks))} for the office")
        text = f"{len(self.approved)} approved" + (f": {', '.join(effects)}" if effects else "")
        if self.already_decided:
            text += f". {self.already_decided} had already been decided by someone else"
        return text + "."


@dataclass
class DismissalResult:
    dismissed: list[Proposal] = field(default_factory=list)
    already_decided: int = 0

    def summary(self) -> str:
        if not self.dismissed:
            return "Nothing dismissed: every proposal chosen had already been decided."
        text = f"{len(self.dismissed)} dismissed"
        if self.already_decided:
            text += f". {self.already_decided} had already been decided by someone else"
        return text + "."


def _claim(proposals: Iterable[Proposal], user, now: dt.datetime, **decision) -> tuple[list[int], int]:
    """(ids claimed, how many were already decided). Ids in order, so two bulk decisions lock rows in one order."""
    ids = sorted({p.pk for p in proposals})
    trusts = {p.trust_id for p in proposals}
    assert len(trusts) <= 1, "proposals of one trust at a time"
    claimed = [
        pk
        for pk in ids
        if Proposal.objects.filter(pk=pk, status=Proposal.Status.PROPOSED).update(
            decided_by=user, decided_at=now, **decision
        )
    ]
    return claimed, len(ids) - len(claimed)


def approve(proposals: Iterable[Proposal], user, *, on: dt.date | None = None) -> ApprovalResult:
    """Approve the proposals still awaiting review and carry out their actions; proposals already decided are left
    as they are and counted in `already_decided`."""
    proposals = list(proposals)
    on = on or timezone.localdate()
    now = timezone.now()
    result = ApprovalResult()
    with transaction.atomic():
        claimed, result.already_decided = _claim(proposals, user, now, status=Proposal.Status.APPROVED)
        result.approved = list(
            Proposal.objects.filter(pk__in=claimed).select_related("trust", "school", "case", "pupil").order_by("pk")
        )
        # Letters are grouped by school and evaluation day: each letter shows the figures as on the day its proposal
        # was made, the same figures the review screen showed.
        letters: dict[tuple[School, dt.date], list[LetterRequest]] = defaultdict(list)
        for proposal in result.approved:
            for i, action in enumerate(proposal.actions):
                kind = action["kind"]
                if kind == ActionKind.LETTER:
                    key = (proposal.school, proposal.evaluated_on)
                    letters[key].append(LetterRequest(proposal.pupil, action["code"], proposal))
                elif kind == ActionKind.MEETING:
                    result.meetings.append(_plan_meeting(proposal, action))
                else:
                    result.tasks.append(_make_task(proposal, i, action, on, now))
        for (school, evaluated_on), requests in sorted(letters.items(), key=lambda item: (item[0][0].name, item[0][1])):
            title = (
                f"Approved on {on:%-d %B %Y}: {len(requests)} letter{pluralize(len(requests))}, "
                f"figures as on {evaluated_on:%-d %B %Y}"
            )
            result.batches.append(
                start_batch(school=school, user=user, title=title, requests=requests, on=evaluated_on)
            )
            result.letters += len(requests)
    return result


def dismiss(proposals: Iterable[Proposal], user, reason: str) -> DismissalResult:
    """Dismiss the proposals still awaiting review, remembering the reason, who and when. Raises
    DismissalNeedsReason (nothing dismissed) for an empty reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DismissalNeedsReason("Give a reason for the dismissal: it is kept on the pupil's case.")
    proposals = list(proposals)
    result = DismissalResult()
    with transaction.atomic():
        claimed, result.already_decided = _claim(
            proposals, user, timezone.now(), status=Proposal.Status.DISMISSED, dismissal_reason=reason
        )
        result.dismissed = list(Proposal.objects.filter(pk__in=claimed).select_related("pupil").order_by("pk"))
    return result


def _plan_meeting(proposal: Proposal, action: Mapping) -> Meeting:
    return Meeting.objects.create(
        trust_id=proposal.trust_id,
        school=proposal.school,
        case=proposal.case,
        pupil=proposal.pupil,
        proposal=proposal,
        kind=action["code"],
        title=MEETING_TITLES.get(action["code"], action["code"].replace("_", " ").capitalize()),
        attendees=", ".join(action.get("attendees") or ()),
        target_weeks=action.get("target_weeks"),
        notes=action.get("detail", ""),
    )


def _make_task(proposal: Proposal, index: int, action: Mapping, on: dt.date, now: dt.datetime) -> Task:
    kind = action["kind"]
    detail = action.get("detail", "")
    if kind == ActionKind.REFERRAL:
        task_kind, title, why = Task.Kind.REFERRAL, REFERRAL_TITLES.get(action["code"], detail), detail
    elif kind == ActionKind.PENALTY_NOTICE:
        task_kind, title = (
            Task.Kind.PENALTY_CONSIDERATION,
            "Consider a penalty notice" + (f": {detail}" if detail else ""),
        )
        why = f"Ledger: {penalty_steps(proposal, on)}"
    else:
        task_kind, title, why = Task.Kind.CASE_ACTION, detail or action["code"].replace("_", " "), ""
    rule = proposal.title or proposal.rule
    why = f"{rule}. {why}" if why else rule
    # The key names the proposal's action: the same approved action makes its task once.
    task, _ = Task.objects.get_or_create(
        pupil=proposal.pupil,
        kind=task_kind,
        key=f"proposal:{proposal.pk}:{index}",
        defaults={
            "trust_id": proposal.trust_id,
            "school": proposal.school,
            "title": _cut(title, 300),
            "why": _cut(why, 500),
            "due_at": now + TASK_DUE_AFTER,
        },
    )
    return task


def penalty_steps(proposal: Proposal, on: dt.date) -> str:
    """The ledger's next step for each parent with parental responsibility, e.g. "Jo Able (Mother): first penalty
    notice: £80 if paid within 21 days, £160 within 28"."""
    reason = (
        PenaltyNotice.Reason.TERM_TIME_HOLIDAY
        if proposal.rule_kind == Kind.LEAVE_DAYS
        else PenaltyNotice.Reason.IRREGULAR_ATTENDANCE
    )
    links = list(
        PupilContact.objects.for_trust(proposal.trust)
        .filter(pupil=proposal.pupil, parental_responsibility=True)
        .select_related("contact")
        .order_by("priority", "pk")
    )
    if not links:
        return "no parent or carer with parental responsibility is recorded"
    notices = defaultdict(list)
    for notice in PenaltyNotice.objects.for_trust(proposal.trust).filter(
        pupil=proposal.pupil, contact__in=[link.contact_id for link in links]
    ):
        notices[notice.contact_id].append(notice)
    steps = []
    for link in links:
        step = ledger.next_step_from(notices[link.contact_id], on, reason)
        text = f"{link.contact.name} ({link.relationship}): {ledger.describe(step)}"
        if step.step is not penalty.Step.PROSECUTION and reason != PenaltyNotice.Reason.TERM_TIME_HOLIDAY:
            text += " (or a Notice to Improve first where support is appropriate)"
        steps.append(text)
    return "; ".join(steps)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- What the review screen shows -------------------------------------------------------------------------------------

FIGURE_LABELS = {
    "attendance_pct": "Attendance %",
    "attended": "Sessions attended",
    "possible": "Possible sessions",
    "absent": "Sessions absent",
    "unauthorised": "Unauthorised sessions (year)",
    "unauthorised_sessions": "Unauthorised sessions (G, N, O, U) in the window",
    "u_sessions": "Late after registers closed (U) in the window",
    "u_sessions_this_half_term": "Late after registers closed (U) this half-term",
    "consecutive_days_absent": "School days absent in a row",
    "days_without_contact": "School days without contact",
    "leave_days": "School days of term-time leave (G)",
    "illness_days": "School days of illness (I)",
    "review": "Review of targets",
    "from_stage": "Stage at review",
    "threshold": "Rule threshold",
    "weeks": "Window (school weeks)",
    "window": "Period",
    "rule": "Rule",
    "kind": "Kind of rule",
    "policy": "Policy",
    "version": "Policy version",
}


def _days(sessions: object) -> str:
    days = Decimal(str(sessions)) / 2
    return f"{days.normalize():f}"


def key_figures(evidence: Mapping[str, object]) -> list[str]:
    """The figures a reviewer reads first, in words: attendance with sessions, days absent, unauthorised sessions and
    the rule's own count over its window. Only figures the evidence holds are given."""
    e = evidence
    out = []
    if "attendance_pct" in e and "possible" in e:
        out.append(f"{e['attendance_pct']}% attendance ({e['attended']} of {e['possible']} sessions)")
    if "absent" in e:
        days = _days(e["absent"])
        out.append(f"{days} day{'' if days == '1' else 's'} absent")
    if "unauthorised" in e:
        out.append(f"{e['unauthorised']} unauthorised session{pluralize(e['unauthorised'])}")
    weeks = f" in {e['weeks']} school weeks" if "weeks" in e else ""
    if "unauthorised_sessions" in e:
        out.append(f"{e['unauthorised_sessions']} unauthorised sessions (G, N, O, U){weeks}")
    if "u_sessions" in e:
        out.append(f"{e['u_sessions']} late after registers closed (U){weeks}")
    if "u_sessions_this_half_term" in e:
        out.append(f"{e['u_sessions_this_half_term']} late after registers closed (U) this half-term")
    for name, words in (
        ("consecutive_days_absent", "school days absent in a row"),
        ("days_without_contact", "school days without contact"),
        ("leave_days", "school days of term-time leave (G)"),
        ("illness_days", "school days of illness (I) this year"),
    ):
        if name in e:
            out.append(f"{e[name]} {words}")
    if "review" in e:
        out.append("Targets met at review" if e["review"] == "met" else "Targets missed at review")
    return out


def all_figures(evidence: Mapping[str, object]) -> list[tuple[str, str]]:
    """Every figure in the evidence as (label, value), the sessions list left out (it is shown as a table)."""
    return [
        (FIGURE_LABELS.get(name, name.replace("_", " ").capitalize()), str(value))
        for name, value in evidence.items()
        if name != "sessions"
    ]


def counting_sessions(evidence: Mapping[str, object]) -> list[tuple[dt.date, str, str]]:
    """The sessions that count, as (date, "AM"/"PM", code), oldest first; empty when the evidence has none."""
    out = []
    for row in evidence.get("sessions") or ():
        try:
            day, session, code = row
            out.append((dt.date.fromisoformat(str(day)), str(session), str(code)))
        except (TypeError, ValueError):
            continue
    return sorted(out)


def action_labels(actions: Iterable[Mapping]) -> list[str]:
    """What approving does, one line per action, e.g. "Letter LON3", "Plan an Attendance Improvement Meeting"."""
    out = []
    for action in actions:
        kind, code, detail = action.get("kind"), action.get("code", ""), action.get("detail", "")
        if kind == ActionKind.LETTER:
            out.append(f"Letter {code}" + (f": {detail}" if detail else ""))
        elif kind == ActionKind.MEETING:
            out.append(f"Plan the {MEETING_TITLES.get(code, code.replace('_', ' '))}")
        elif kind == ActionKind.REFERRAL:
            out.append(f"Task: {REFERRAL_TITLES.get(code, detail or code)}")
        elif kind == ActionKind.PENALTY_NOTICE:
            out.append("Task: consider a penalty notice" + (f" ({detail})" if detail else ""))
        else:
            out.append(f"Task: {detail or code.replace('_', ' ')}")
    return out


@dataclass(frozen=True)
class ReviewRow:
    proposal: Proposal
    figures: list[str]
    details: list[tuple[str, str]]
    sessions: list[tuple[dt.date, str, str]]
    actions: list[str]


def review_row(proposal: Proposal) -> ReviewRow:
    evidence = proposal.evidence or {}
    return ReviewRow(
        proposal,
        key_figures(evidence),
        all_figures(evidence),
        counting_sessions(evidence),
        action_labels(proposal.actions or ()),
    )


@dataclass(frozen=True)
class ReviewGroup:
    category: str
    label: str
    rows: list[ReviewRow]


def _with_people(proposals: QuerySet) -> QuerySet:
    return proposals.select_related("pupil", "pupil__group", "policy_version", "decided_by")


def awaiting_review(school: School) -> list[ReviewGroup]:
    """The school's proposals awaiting review, grouped in the order penalty considerations, referrals, meetings,
    letters, tasks; the highest stage first within a group, then by pupil. Groups with nothing waiting are left out."""
    proposals = _with_people(
        Proposal.objects.for_trust(school.trust).filter(school=school, status=Proposal.Status.PROPOSED)
    ).order_by(F("stage").desc(nulls_last=True), "pupil__legal_surname", "pupil__legal_forename", "pk")
    by_category: dict[str, list[ReviewRow]] = defaultdict(list)
    for proposal in proposals:
        by_category[proposal.category].append(review_row(proposal))
    return [
        ReviewGroup(category, label, by_category[category])
        for category, label in Proposal.Category.choices
        if by_category[category]
    ]


def recently_decided(school: School, limit: int = RECENT_DECISIONS) -> list[Proposal]:
    """The school's latest decisions, newest first, with who decided and, for a dismissal, why."""
    return list(
        _with_people(
            Proposal.objects.for_trust(school.trust).filter(school=school).exclude(status=Proposal.Status.PROPOSED)
        ).order_by("-decided_at", "-pk")[:limit]
    )
