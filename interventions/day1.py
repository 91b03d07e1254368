"""Day-1 triage: today's absences with no reason in risk order, contact attempts, the home-visit round and the
morning absences converted to an afternoon attendance.

Reads are a fixed number of queries however many pupils are absent; the rules are in interventions.absence and
interventions.triage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse

from registers import codes as C
from registers.models import Mark, RegisterTaking
from registers.services import MarkInput, upsert_marks
from registers.statistics import SessionCounts
from schools.models import Contact, Notification, Pupil, PupilContact, Role, School
from schools.queries import counts_for, marks_year_to_date

from . import absence
from .models import ContactAttempt, Task
from .triage import Risk, RiskFacts, assess
from .visits import District, Stop, plan_round

REACHED = (
    ContactAttempt.Outcome.REASON_GIVEN,
    ContactAttempt.Outcome.SEEN_SAFE,
    ContactAttempt.Outcome.CONCERN,
)


@dataclass
class TriageRow:
    pupil: Pupil
    am: str | None  # a code, absence.MISSING, or None before the register
    pm: str | None
    risk: Risk | None = None
    counts: SessionCounts = field(default_factory=SessionCounts)
    contacts: list[PupilContact] = field(default_factory=list)  # priority order
    attempts: list[ContactAttempt] = field(default_factory=list)  # today's, newest first

    @property
    def reached(self) -> bool:
        return any(a.outcome in REACHED for a in self.attempts)

    @property
    def concern_raised(self) -> bool:
        return any(a.outcome == ContactAttempt.Outcome.CONCERN for a in self.attempts)

    @property
    def first_contact(self) -> Contact | None:
        return self.contacts[0].contact if self.contacts else None

    @property
    def open_sessions(self) -> bool:
        """A session today has no register yet, so a reason can cover the rest of the day."""
        return self.am is None or self.pm is None


@dataclass(frozen=True)
class Board:
    school: School
    today: dt.date
    rows: list[TriageRow]  # absent with no reason now, in risk order
    resolved: list[TriageRow]  # triaged today and explained since
    conversions: list[TriageRow]  # absent this morning, attending this afternoon

    @property
    def conversion_count(self) -> int:
        return len(self.conversions)

    @property
    def unreached(self) -> int:
        return sum(not row.reached for row in self.rows)


def _code(school: School, today: dt.date, session: str) -> Subquery:
    marks = Mark.objects.filter(pupil=OuterRef("pk"), school=school, date=today, session=session)
    return Subquery(marks.values("code")[:1])


def _taken(school: School, today: dt.date, session: str) -> Exists:
    return Exists(RegisterTaking.objects.filter(school=school, group=OuterRef("group_id"), date=today, session=session))


def pupils_today(school: School, today: dt.date) -> QuerySet:
    """Pupils on roll today, annotated with today's `am_code`/`pm_code`, `am_taken`/`pm_taken` and `attempted`."""
    attempts = ContactAttempt.objects.filter(pupil=OuterRef("pk"), school=school, absence_date=today)
    return (
        Pupil.objects.for_trust(school.trust)
        .on_roll(school, today)
        .annotate(
            am_code=_code(school, today, "AM"),
            pm_code=_code(school, today, "PM"),
            am_taken=_taken(school, today, "AM"),
            pm_taken=_taken(school, today, "PM"),
            attempted=Exists(attempts),
        )
    )


def _with_details(pupils: QuerySet, school: School, today: dt.date) -> QuerySet:
    trust = school.trust
    return pupils.select_related("group").prefetch_related(
        Prefetch(
            "contact_links",
            queryset=PupilContact.objects.for_trust(trust).select_related("contact").order_by("priority", "pk"),
        ),
        Prefetch(
            "contact_attempts",
            queryset=ContactAttempt.objects.for_trust(trust)
            .filter(school=school, absence_date=today)
            .select_related("made_by", "contact")
            .order_by("-made_at"),
            to_attr="attempts_today",
        ),
    )


def _row(pupil: Pupil) -> TriageRow:
    return TriageRow(
        pupil=pupil,
        am=absence.session_state(pupil.am_code, pupil.am_taken),
        pm=absence.session_state(pupil.pm_code, pupil.pm_taken),
        contacts=list(pupil.contact_links.all()),
        attempts=list(pupil.attempts_today),
    )


def _ranked(rows: list[TriageRow], school: School, today: dt.date) -> list[TriageRow]:
    """Assess each row with its year-to-date counts (one grouped query) and sort them in triage order."""
    counts = counts_for([r.pupil for r in rows], marks_year_to_date(school.trust, today))
    for row in rows:
        p = row.pupil
        row.counts = counts.get(p.pk, SessionCounts())
        row.risk = assess(
            RiskFacts(
                watch_list_reason=p.watch_list_reason if p.watch_list else "",
                safeguarding=tuple(p.safeguarding_flags),
                counts=row.counts,
            )
        )
    # Inside a tier, the lowest attendance first; a pupil with no sessions yet last.
    return sorted(
        rows,
        key=lambda r: (
            r.risk.tier,
            r.counts.attendance_rate if r.counts.possible else 2,
            *_by_name(r),
        ),
    )


def _by_name(row: TriageRow) -> tuple:
    return (row.pupil.legal_surname, row.pupil.legal_forename, row.pupil.pk)


def triage_board(school: School, today: dt.date) -> Board:
    """Today's triage for the school: unexplained absences in risk order, those resolved today, and conversions.

    One query finds every pupil who may belong on the board (an N or a taken register without their mark, a contact
    attempt today, or a morning absence); the rules in interventions.absence sort them into the three lists.
    """
    maybe = (
        Q(am_code="N")
        | Q(pm_code="N")
        | Q(am_code__isnull=True, am_taken=True)
        | Q(pm_code__isnull=True, pm_taken=True)
        | Q(attempted=True)
        | Q(am_code__in=sorted(C.ABSENT), pm_code__in=sorted(C.ATTENDING))
    )
    pupils = _with_details(pupils_today(school, today).filter(maybe), school, today).order_by("pk")
    rows, resolved, conversions = [], [], []
    for pupil in pupils:
        row = _row(pupil)
        if absence.unexplained(row.am, row.pm):
            rows.append(row)
            continue
        if pupil.attempted:
            resolved.append(row)
        if absence.converted(row.am, row.pm):
            conversions.append(row)
    return Board(
        school=school,
        today=today,
        rows=_ranked(rows, school, today),
        resolved=sorted(resolved, key=_by_name),
        conversions=sorted(conversions, key=_by_name),
    )


def triage_row(school: School, today: dt.date, pupil_id: int) -> TriageRow:
    """One pupil's row as the board shows it (assessed, with contacts and today's attempts)."""
    pupil = _with_details(pupils_today(school, today).filter(pk=pupil_id), school, today).get()
    row = _row(pupil)
    return _ranked([row], school, today)[0]


# --- Recording a contact attempt ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    attempt: ContactAttempt
    marks_set: int  # sessions whose code the reason set or corrected
    notified: int  # DSL users told of a concern


def reason_text(method: str, note: str, code: str) -> str:
    """The mark's correction reason: "Reason given on phone call: tummy bug" (the code's meaning without a note)."""
    detail = note.strip() or C.BY_CODE[code].meaning
    return f"Reason given on {ContactAttempt.Method(method).label.lower()}: {detail}"[:300]


@transaction.atomic
def record_contact_attempt(
    *,
    school: School,
    pupil: Pupil,
    today: dt.date,
    now: dt.datetime,
    made_by,
    method: str,
    outcome: str,
    contact: Contact | None = None,
    note: str = "",
    code: str = "",
    rest_of_day: bool = False,
) -> Recorded:
    """Record a call, message or visit about today's absence, and what follows from its outcome.

    - reason given: `code` is set through registers.services.upsert_marks (source office, with the reason) on
      today's unexplained sessions, and on the sessions not yet taken when `rest_of_day`;
    - concern: a Notification to every DSL of this school (not another school's).
    All or nothing: a failure saves neither the attempt nor any mark.
    """
    assert pupil.trust_id == school.trust_id, "the pupil belongs to another trust"
    attempt = ContactAttempt.objects.create(
        trust_id=school.trust_id,
        school=school,
        pupil=pupil,
        contact=contact,
        absence_date=today,
        method=method,
        outcome=outcome,
        code=code if outcome == ContactAttempt.Outcome.REASON_GIVEN else "",
        note=note.strip(),
        made_by=made_by,
        made_at=now,
    )
    marks_set = notified = 0
    if outcome == ContactAttempt.Outcome.REASON_GIVEN:
        pupil_today = pupils_today(school, today).get(pk=pupil.pk)
        sessions = absence.sessions_to_code(
            absence.session_state(pupil_today.am_code, pupil_today.am_taken),
            absence.session_state(pupil_today.pm_code, pupil_today.pm_taken),
            rest_of_day,
        )
        result = upsert_marks(
            school=school,
            marks=[MarkInput(pupil.pk, today, session, code) for session in sessions],
            source=Mark.Source.OFFICE,
            recorded_by=made_by,
            reason=reason_text(method, note, code),
        )
        marks_set = result.created + result.corrected
    elif outcome == ContactAttempt.Outcome.CONCERN:
        notified = notify_dsls(attempt)
    return Recorded(attempt=attempt, marks_set=marks_set, notified=notified)


def notify_dsls(attempt: ContactAttempt) -> int:
    """Tell every DSL of the attempt's school about the concern, with a link to the pupil; returns how many."""
    dsl_users = (
        Role.objects.for_trust(attempt.school.trust)
        .filter(school=attempt.school, kind=Role.Kind.DSL)
        .values_list("user_id", flat=True)
        .distinct()
    )
    method = attempt.get_method_display().lower()
    message = f"Concern raised about {attempt.pupil.display_name} ({attempt.school.name}) after a {method}"
    if attempt.note:
        message += f": {attempt.note}"
    url = reverse("schools:pupil", args=[attempt.pupil_id])
    notes = [
        Notification(
            trust_id=attempt.trust_id,
            school=attempt.school,
            recipient_id=user_id,
            kind=Notification.Kind.CONCERN,
            pupil=attempt.pupil,
            message=message[:500],
            url=url,
            created_by=attempt.made_by,
        )
        for user_id in dsl_users
    ]
    Notification.objects.bulk_create(notes)
    return len(notes)


# --- The home-visit round -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitStop:
    row: TriageRow
    why: list[str]  # "Not reached today", the open task's title, ...


def visit_round(school: School, today: dt.date) -> list[District[VisitStop]]:
    """Today's home visits by postcode district: pupils absent with no reason and not reached today, and pupils with
    an open home-visit task due today. Each stop is the address of the pupil's first (priority) contact.
    """
    tasks_due = Task.objects.for_trust(school.trust).filter(
        school=school, kind=Task.Kind.HOME_VISIT, status=Task.Status.OPEN, due_at__date=today
    )
    board = triage_board(school, today)
    stops: dict[int, VisitStop] = {
        row.pupil.pk: VisitStop(row, ["Absent with no reason and not reached today"])
        for row in board.rows
        if not row.reached
    }
    due = tasks_due.values_list("pupil_id", "title").order_by("due_at", "pk")
    tasked = {}
    for pupil_id, title in due:
        tasked.setdefault(pupil_id, []).append(title)
    missing = set(tasked) - set(stops)
    if missing:
        pupils = _with_details(pupils_today(school, today).filter(pk__in=missing), school, today)
        for row in _ranked([_row(p) for p in pupils], school, today):
            stops[row.pupil.pk] = VisitStop(row, [])
    for pupil_id, titles in tasked.items():
        if pupil_id in stops:
            stops[pupil_id].why.extend(titles)
    return plan_round(
        Stop(
            item=stop,
            postcode=(stop.row.first_contact.postcode if stop.row.first_contact else ""),
            address=(stop.row.first_contact.address if stop.row.first_contact else ""),
        )
        for stop in stops.values()
    )
