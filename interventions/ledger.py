"""The penalty-notice ledger per parent per child: what it allows next, recording a notice, updating its status.

The rules are interventions.penalty's (the National Framework for Penalty Notices, August 2024); this module reads and
writes PenaltyNotice rows for them. A notice still awaiting payment ("issued") counts like an unpaid one; a withdrawn
notice does not count; a Notice to Improve is not a penalty notice and never counts towards the limit of two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from schools.models import Contact, Pupil, PupilContact, School

from . import penalty
from .models import PenaltyNotice, Proposal

STEP_LABELS = {
    penalty.Step.NOTICE_TO_IMPROVE: "Notice to Improve",
    penalty.Step.FIRST_NOTICE: "First penalty notice",
    penalty.Step.SECOND_NOTICE: "Second penalty notice",
    penalty.Step.PROSECUTION: "Prosecution or another legal intervention (no third notice)",
}


class LedgerRefused(ValueError):
    """The ledger does not allow this notice or change; the message says why and what the route is instead."""


def _prior(notice: PenaltyNotice) -> penalty.PriorNotice:
    # Awaiting payment is not yet paid: until it is, the notice counts as an unpaid one would.
    status = penalty.NoticeStatus.UNPAID if notice.status == PenaltyNotice.Status.ISSUED else notice.status
    return penalty.PriorNotice(issued=notice.issued_on, status=penalty.NoticeStatus(status))


def prior_notices(notices: Iterable[PenaltyNotice]) -> list[penalty.PriorNotice]:
    """The penalty notices among `notices` (one parent, one child) as the pure rules see them; notices to improve are
    left out."""
    return [_prior(n) for n in notices if n.kind == PenaltyNotice.Kind.PENALTY_NOTICE]


def next_step_from(
    notices: Iterable[PenaltyNotice],
    on: dt.date,
    reason: str = PenaltyNotice.Reason.IRREGULAR_ATTENDANCE,
    support_appropriate: bool = False,
) -> penalty.NextStep:
    """The next step given one parent's notices for one child, already loaded (no query)."""
    return penalty.next_step(
        prior_notices(notices), on, reason=penalty.Reason(reason), support_appropriate=support_appropriate
    )


def notices_for(contact: Contact, pupil: Pupil):
    """One parent's notices for one child, oldest first."""
    return PenaltyNotice.objects.filter(trust_id=pupil.trust_id, contact=contact, pupil=pupil)


def next_step_for(
    contact: Contact,
    pupil: Pupil,
    on: dt.date,
    reason: str = PenaltyNotice.Reason.IRREGULAR_ATTENDANCE,
    support_appropriate: bool = False,
) -> penalty.NextStep:
    """What the ledger allows next on `on` for this parent and this child."""
    return next_step_from(notices_for(contact, pupil), on, reason, support_appropriate)


def describe(step: penalty.NextStep) -> str:
    """The next step in words: the amounts, or for prosecution the 3-year period that rules out a third notice."""
    if step.step is penalty.Step.NOTICE_TO_IMPROVE:
        then = STEP_LABELS[step.then].lower() if step.then else "a penalty notice"
        return f"Notice to Improve first (3 to 6 weeks to improve), then a {then} if attendance does not improve"
    if step.step is penalty.Step.PROSECUTION:
        assert step.period is not None
        return (
            f"{STEP_LABELS[step.step]}: two penalty notices since {step.period[0]:%-d %B %Y}, "
            f"the limit within 3 years (until {step.period[1]:%-d %B %Y})"
        )
    return f"{STEP_LABELS[step.step]}: {amounts(step.step)}"


def amounts(step: penalty.Step) -> str:
    if step is penalty.Step.FIRST_NOTICE:
        return (
            f"£{penalty.FIRST_NOTICE_REDUCED} if paid within {penalty.REDUCED_DAYS} days, "
            f"£{penalty.FIRST_NOTICE_FULL} within {penalty.FULL_DAYS}"
        )
    if step is penalty.Step.SECOND_NOTICE:
        return f"£{penalty.SECOND_NOTICE} within {penalty.FULL_DAYS} days"
    return ""


@dataclass(frozen=True)
class LedgerRow:
    """A recorded notice with the payments it allows (none for a Notice to Improve or a withdrawn notice)."""

    notice: PenaltyNotice
    ordinal: penalty.Step | None  # FIRST_NOTICE or SECOND_NOTICE within its 3-year period; None for a NTI
    payments: tuple[penalty.Payment, ...]
    improvement_ends: dt.date | None


def ledger_rows(notices: Iterable[PenaltyNotice]) -> list[LedgerRow]:
    """One parent's notices for one child, oldest first, each with what it was in the ledger when it was issued."""
    notices = sorted(notices, key=lambda n: (n.issued_on, n.pk or 0))
    rows = []
    for i, notice in enumerate(notices):
        if notice.kind == PenaltyNotice.Kind.NOTICE_TO_IMPROVE:
            weeks = notice.improvement_weeks
            ends = penalty.NoticeToImprove(notice.issued_on, weeks).ends if weeks else None
            rows.append(LedgerRow(notice, None, (), ends))
            continue
        before = next_step_from(notices[:i], notice.issued_on, notice.reason)
        ordinal = before.step if before.step is not penalty.Step.PROSECUTION else None
        live = notice.status != PenaltyNotice.Status.WITHDRAWN and ordinal is not None
        rows.append(LedgerRow(notice, ordinal, penalty.payments(ordinal, notice.issued_on) if live else (), None))
    return rows


def _with_parental_responsibility(contact: Contact, pupil: Pupil) -> bool:
    return (
        PupilContact.objects.for_trust(pupil.trust)
        .filter(contact=contact, pupil=pupil, parental_responsibility=True)
        .exists()
    )


def record_notice(
    *,
    school: School,
    pupil: Pupil,
    contact: Contact,
    kind: str,
    reason: str,
    issued_on: dt.date,
    user,
    amount: Decimal | None = None,
    improvement_weeks: int | None = None,
    note: str = "",
    proposal: Proposal | None = None,
) -> PenaltyNotice:
    """Record a notice issued to one parent for one child. Raises LedgerRefused, with nothing saved, when the
    framework does not allow it: a third penalty notice within 3 years (the route is prosecution), a Notice to Improve
    for a term-time holiday or without an improvement period of 3 to 6 weeks, or a contact without parental
    responsibility for the child. A penalty notice's amount defaults to the full amount the ledger allows.
    """
    if not (school.trust_id == pupil.trust_id == contact.trust_id):
        raise LedgerRefused("The school, the pupil and the parent must belong to one trust.")
    if not _with_parental_responsibility(contact, pupil):
        raise LedgerRefused(f"{contact.name} has no parental responsibility recorded for {pupil.display_name}.")
    with transaction.atomic():
        # One parent's notices are counted and added one at a time: two officers recording at once cannot both pass
        # the limit check.
        Contact.objects.select_for_update().get(pk=contact.pk)
        existing = list(notices_for(contact, pupil))
        if kind == PenaltyNotice.Kind.NOTICE_TO_IMPROVE:
            amount, improvement_weeks = None, _improvement_weeks(reason, improvement_weeks)
        elif kind == PenaltyNotice.Kind.PENALTY_NOTICE:
            step = next_step_from(existing, issued_on, reason)
            if step.step is penalty.Step.PROSECUTION:
                raise LedgerRefused(
                    f"A third penalty notice cannot be issued to {contact.name} for {pupil.display_name}: "
                    f"{describe(step).split(': ', 1)[1]}. The route now is prosecution or another attendance legal "
                    "intervention."
                )
            if amount is None:
                amount = max(p.amount for p in penalty.payments(step.step, issued_on))
            improvement_weeks = None
        else:
            raise LedgerRefused(f"Unknown kind of notice: {kind!r}.")
        return PenaltyNotice.objects.create(
            trust=school.trust,
            school=school,
            pupil=pupil,
            contact=contact,
            proposal=proposal,
            kind=kind,
            reason=reason,
            issued_on=issued_on,
            amount=amount,
            improvement_weeks=improvement_weeks,
            note=note.strip(),
            recorded_by=user,
        )


def _improvement_weeks(reason: str, weeks: int | None) -> int:
    if reason == PenaltyNotice.Reason.TERM_TIME_HOLIDAY:
        raise LedgerRefused("A Notice to Improve is not given for a term-time holiday: the next step is a notice.")
    if weeks is None:
        raise LedgerRefused(f"Give the improvement period: {penalty.NTI_MIN_WEEKS} to {penalty.NTI_MAX_WEEKS} weeks.")
    try:
        return penalty.check_improvement_weeks(weeks)
    except ValueError as e:
        raise LedgerRefused(str(e).capitalize() + ".") from e


# What each kind of notice can become: a Notice to Improve is not paid, so it is only issued or withdrawn.
STATUSES = {
    PenaltyNotice.Kind.PENALTY_NOTICE: tuple(PenaltyNotice.Status),
    PenaltyNotice.Kind.NOTICE_TO_IMPROVE: (PenaltyNotice.Status.ISSUED, PenaltyNotice.Status.WITHDRAWN),
}


def set_status(notice: PenaltyNotice, status: str, *, note: str = "") -> PenaltyNotice:
    """Record what became of a notice (paid within 21 or 28 days, unpaid, prosecuted, withdrawn). Raises
    LedgerRefused for a status the kind of notice cannot have, or payment within 21 days of a notice that has no
    reduced amount (a second notice)."""
    if status not in STATUSES[notice.kind]:
        raise LedgerRefused(f"A {notice.get_kind_display().lower()} cannot be {PenaltyNotice.Status(status).label}.")
    if status == PenaltyNotice.Status.PAID_21:
        [row] = [r for r in ledger_rows(notices_for(notice.contact, notice.pupil)) if r.notice.pk == notice.pk]
        if row.ordinal is penalty.Step.SECOND_NOTICE:
            raise LedgerRefused("A second notice has no reduced amount: record it as paid within 28 days.")
    fields = {"status": status}
    if note.strip():
        fields["note"] = note.strip()
    PenaltyNotice.objects.filter(pk=notice.pk).update(**fields)
    notice.refresh_from_db()
    return notice
