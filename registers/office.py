"""The attendance office's work: late arrivals after the register closes, parents' absence reports, leave-of-absence
requests, and the nightly change of overdue N marks to O.

Every write to the register goes through registers.services.upsert_marks (or, for N -> O, one conditional UPDATE the
history triggers record just the same), inside one transaction: a refused step saves nothing. Every read is scoped to
the user's trust and to the schools where they run the office; anything else is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from schools.access import Access
from schools.models import Enrolment, Pupil, PupilContact, School, SchoolDay
from schools.queries import matching_search

from . import codes as C
from .lateness import SessionTimes, code_for_arrival, minutes_late
from .models import AbsenceReport, LeaveRequest, Mark
from .reasons import overdue_through
from .services import MarkInput, UpsertResult, upsert_marks

SESSIONS = ("AM", "PM")  # in the order they happen, so (date, session) tuples sort in time order
SEARCH_RESULTS = 10
REASON_LENGTH = Mark._meta.get_field("reason").max_length

# The reasons a parent gives, as the codes an officer can confirm, in plain words (DfE code set, August 2024).
# Leave codes (C1, J1, S, C2) come from leave requests the head decides, not from a parent's report.
REPORT_CODES = {
    "I": "Illness (not a medical or dental appointment)",
    "M": "Medical or dental appointment",
    "R": "Religious observance (a day set apart by the parents' religious body)",
    "T": "Travelling with a parent for their work (Traveller, fairground or circus families)",
    "C": "Exceptional circumstances (needs the head's leave)",
    "O": "Reason not acceptable: unauthorised absence",
    "G": "Holiday the school has not agreed: unauthorised absence",
}
# Only the head can grant leave in exceptional circumstances (regulation 11), so a report proposing C needs them.
HEAD_ONLY_CODES = frozenset({"C"})

HOLIDAY_REFUSED = (
    "A holiday in term time cannot be granted: since August 2024 term-time holidays cannot be authorised (the H code "
    "was withdrawn). Refuse the request; if the head judges the circumstances exceptional, record a new request for "
    "exceptional circumstances (C) instead."
)

CHANNEL_WORDS = {
    AbsenceReport.Channel.PHONE: "by phone",
    AbsenceReport.Channel.VOICEMAIL: "by voicemail",
    AbsenceReport.Channel.TEXT: "by text message",
    AbsenceReport.Channel.APP: "by app message",
    AbsenceReport.Channel.EMAIL: "by email",
    AbsenceReport.Channel.IN_PERSON: "in person",
}


class OfficeError(ValueError):
    """A request the office cannot carry out, with a message for the user; nothing was saved."""


# --- Rules on plain values (no database) -----------------------------------------------------------------------


def session_times(school: School, session: str) -> SessionTimes:
    """The school's times for the AM or PM register; ValueError when they are out of order."""
    if session == "AM":
        return SessionTimes(starts=school.day_starts, closes=school.registers_close, late_until=school.late_until)
    return SessionTimes(starts=school.pm_day_starts, closes=school.pm_registers_close, late_until=school.pm_late_until)


@dataclass(frozen=True)
class Arrival:
    code: str
    minutes_late: int
    explanation: str


def assess_arrival(session: str, arrival: dt.time, times: SessionTimes) -> Arrival:
    """The code an arrival gets under the school's times, its minutes late, and why, in words for the office.

    e.g. "Arrived 08:58, after the late limit 08:55: U (unauthorised)".
    """
    code = code_for_arrival(session, arrival, times)
    at = f"Arrived {arrival:%H:%M}"
    if code == "U":
        explanation = f"{at}, after the late limit {times.late_until:%H:%M}: U (unauthorised)"
    elif code == "L":
        explanation = f"{at}, within the late limit {times.late_until:%H:%M}: L (late, counted as present)"
    else:
        explanation = f"{at}, by the start of registration at {times.starts:%H:%M}: {code} (present)"
    return Arrival(code=code, minutes_late=minutes_late(arrival, times), explanation=explanation)


def sessions_between(
    first_day: dt.date, first_session: str, last_day: dt.date, last_session: str, school_days: Iterable[dt.date]
) -> list[tuple[dt.date, str]]:
    """The (date, session) pairs from the first session to the last, inclusive, on school days only, in time order."""
    first, last = (first_day, first_session), (last_day, last_session)
    return [
        (day, session)
        for day in sorted(set(school_days))
        if first_day <= day <= last_day
        for session in SESSIONS
        if first <= (day, session) <= last
    ]


@dataclass(frozen=True)
class SessionPlan:
    """What confirming a report or a leave decision does to one session."""

    date: dt.date
    session: str
    current: str  # the code now, "" with no mark yet
    code: str  # the code to record, "" when the current mark is kept

    @property
    def writes(self) -> bool:
        return bool(self.code)

    @property
    def kept_because(self) -> str:
        if self.writes:
            return ""
        if self.current == "U":
            return "arrived after the register closed"
        if self.current in C.ATTENDING:
            return "attended"
        return "not a possible session"


def replaceable(current: str) -> bool:
    """True when a reason for absence may replace this mark: no mark yet, or an absence code.

    A session the pupil attended (present, late or an approved activity), an arrival after the register closed (U)
    and a session that was not possible are facts about that session, not reasons: they are kept.
    """
    return not current or (current in C.ABSENT and current != "U")


def plan_sessions(
    sessions: Sequence[tuple[dt.date, str]], current: Mapping[tuple[dt.date, str], str], code: str
) -> list[SessionPlan]:
    """For each session: its current code and the code to record, or "" where the current mark is kept."""
    plans = []
    for day, session in sessions:
        now = current.get((day, session), "")
        plans.append(SessionPlan(day, session, now, code if replaceable(now) else ""))
    return plans


def _short(text: str, length: int = REASON_LENGTH) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- Finding the pupil ----------------------------------------------------------------------------------------


def _on_roll(qs: QuerySet, today: dt.date) -> QuerySet:
    return qs.filter(starts__lte=today).filter(Q(ends__isnull=True) | Q(ends__gte=today))


def find_pupils(access: Access, text: str, today: dt.date) -> list[Enrolment]:
    """Enrolments on `today` at the user's office schools whose pupil matches `text` (name words or UPN), by name.

    At most SEARCH_RESULTS; empty for blank text. One query.
    """
    if not text.strip():
        return []
    trust = access.trust
    pupils = matching_search(Pupil.objects.for_trust(trust), text).values("pk")
    enrolments = _on_roll(Enrolment.objects.for_trust(trust), today).filter(
        school_id__in=access.office_school_ids, pupil__in=pupils
    )
    return list(
        enrolments.select_related("pupil__group", "school").order_by(
            "pupil__legal_surname", "pupil__legal_forename", "pupil_id"
        )[:SEARCH_RESULTS]
    )


def office_enrolment(access: Access, pupil_id: int, today: dt.date) -> Enrolment:
    """The pupil's enrolment on `today` at one of the user's office schools, with pupil and school; else 404."""
    enrolments = _on_roll(Enrolment.objects.for_trust(access.trust), today).filter(
        pupil_id=pupil_id, school_id__in=access.office_school_ids
    )
    enrolment = enrolments.select_related("pupil__group", "school").order_by("-starts").first()
    if enrolment is None:
        raise Http404("No such pupil on roll at your schools")
    return enrolment


def pupil_contacts(enrolment: Enrolment) -> list[PupilContact]:
    """The pupil's contacts, first priority first, each with its Contact."""
    links = PupilContact.objects.for_trust(enrolment.trust_id).filter(pupil_id=enrolment.pupil_id)
    return list(links.select_related("contact").order_by("priority", "contact__name"))


def todays_codes(enrolment: Enrolment, today: dt.date) -> dict[str, str]:
    """{"AM": code, "PM": code} of the pupil's marks today (sessions without a mark left out)."""
    marks = Mark.objects.for_trust(enrolment.trust_id).filter(pupil_id=enrolment.pupil_id, date=today)
    return dict(marks.values_list("session", "code"))


def _current_codes(trust_id: int, pupil_id: int, first: dt.date, last: dt.date) -> dict[tuple[dt.date, str], str]:
    marks = Mark.objects.for_trust(trust_id).filter(pupil_id=pupil_id).between(first, last)
    return {(day, session): code for day, session, code in marks.values_list("date", "session", "code")}


def _school_days(school: School, first: dt.date, last: dt.date) -> list[dt.date]:
    return list(
        SchoolDay.objects.for_trust(school.trust_id)
        .filter(school=school)
        .between(first, last)
        .values_list("date", flat=True)
    )


def _write(school: School, plans: Sequence[SessionPlan], pupil_id: int, by, reason: str) -> UpsertResult:
    marks = [MarkInput(pupil_id, p.date, p.session, p.code) for p in plans if p.writes]
    return upsert_marks(school=school, marks=marks, source=Mark.Source.OFFICE, recorded_by=by, reason=_short(reason))


# --- Late arrivals ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LateArrival:
    pupil: Pupil
    school: School
    session: str
    arrival: Arrival
    previous: str  # the code before, "" with no mark

    @property
    def message(self) -> str:
        change = f"The mark changed from {self.previous} to {self.arrival.code}." if self.previous else "New mark."
        if self.previous == self.arrival.code:
            change = f"The mark was already {self.previous}."
        late = f" {self.arrival.minutes_late} minutes late." if self.arrival.code in C.LATE else ""
        return f"{self.pupil.display_name}, {self.session}: {self.arrival.explanation}.{late} {change}"


@transaction.atomic
def record_late_arrival(
    *, access: Access, pupil_id: int, session: str, arrival: dt.time, reason: str, recorded_by, today: dt.date
) -> LateArrival:
    """Record the code the school's times give an arrival today, with the reason in the mark's history.

    Raises OfficeError when the school's times for the session are out of order.
    """
    enrolment = office_enrolment(access, pupil_id, today)
    school = enrolment.school
    try:
        times = session_times(school, session)
    except ValueError as e:
        raise OfficeError(f"{school.name}'s {session} times are out of order ({e}); fix them first.") from e
    result = assess_arrival(session, arrival, times)
    previous = todays_codes(enrolment, today).get(session, "")
    upsert_marks(
        school=school,
        marks=[MarkInput(pupil_id, today, session, result.code, minutes_late=result.minutes_late)],
        source=Mark.Source.OFFICE,
        recorded_by=recorded_by,
        reason=_short(f"Late arrival at {arrival:%H:%M}: {reason.strip()}"),
    )
    return LateArrival(pupil=enrolment.pupil, school=school, session=session, arrival=result, previous=previous)


def late_arrivals_today(access: Access, today: dt.date) -> QuerySet:
    """Today's L and U marks at the user's office schools, latest first, with pupil, school and recorder."""
    return (
        Mark.objects.for_trust(access.trust)
        .filter(school_id__in=access.office_school_ids, date=today, code__in=sorted(C.LATE))
        .select_related("pupil", "school", "recorded_by")
        .order_by("-recorded_at", "pupil__legal_surname")
    )


# --- Absence reports --------------------------------------------------------------------------------------------


@transaction.atomic
def record_absence_report(
    *,
    access: Access,
    pupil_id: int,
    contact_id: int | None,
    reported_by: str,
    channel: str,
    code: str,
    reason: str,
    first_day: dt.date,
    first_session: str,
    last_day: dt.date,
    last_session: str,
    expected_return: dt.date | None,
    recorded_by,
    today: dt.date,
) -> AbsenceReport:
    """Record a parent's report, waiting for an officer to confirm it. Raises OfficeError (saving nothing) when the
    code is not one a report can propose, the contact is not the pupil's, or the dates hold no school day."""
    enrolment = office_enrolment(access, pupil_id, today)
    if code not in REPORT_CODES:
        raise OfficeError(f"{code} is not a reason a parent's report can give.")
    contact = None
    if contact_id is not None:
        link = next((link for link in pupil_contacts(enrolment) if link.contact_id == contact_id), None)
        if link is None:
            raise OfficeError("That contact is not one of this pupil's contacts.")
        contact = link.contact
    school = enrolment.school
    if not sessions_between(
        first_day, first_session, last_day, last_session, _school_days(school, first_day, last_day)
    ):
        raise OfficeError(
            f"There are no school days at {school.name} from {first_day:%d %b %Y} to {last_day:%d %b %Y}, so there is "
            "nothing to record. Check the dates, or the school's calendar."
        )
    return AbsenceReport.objects.create(
        trust_id=school.trust_id,
        school=school,
        pupil_id=pupil_id,
        contact=contact,
        reported_by=(reported_by.strip() or (contact.name if contact else ""))[:200],
        channel=channel,
        code=code,
        reason=reason.strip(),
        first_day=first_day,
        first_session=first_session,
        last_day=last_day,
        last_session=last_session,
        expected_return=expected_return,
        recorded_by=recorded_by,
    )


def _reports(access: Access) -> QuerySet:
    return AbsenceReport.objects.for_trust(access.trust).filter(school_id__in=access.office_school_ids)


def office_report(access: Access, report_id: int) -> AbsenceReport:
    """One report at the user's office schools, with pupil, school and the people on it; else 404."""
    reports = _reports(access).select_related("pupil", "school", "contact", "recorded_by", "decided_by")
    report = reports.filter(pk=report_id).first()
    if report is None:
        raise Http404("No such absence report")
    return report


def report_plan(report: AbsenceReport) -> list[SessionPlan]:
    """The sessions the report covers (school days only) and what confirming it records in each. Two queries."""
    sessions = sessions_between(
        report.first_day,
        report.first_session,
        report.last_day,
        report.last_session,
        _school_days(report.school, report.first_day, report.last_day),
    )
    current = _current_codes(report.trust_id, report.pupil_id, report.first_day, report.last_day)
    return plan_sessions(sessions, current, report.code)


def report_mark_reason(report: AbsenceReport) -> str:
    """e.g. "Absence report: chickenpox (reported by Mary Able by phone)"."""
    return f"Absence report: {report.reason} (reported by {report.reported_by} {CHANNEL_WORDS[report.channel]})"


def _decide_report(report: AbsenceReport, status: str, decided_by, note: str = "") -> None:
    """Move a pending report to `status`; only one of two racing decisions can (a conditional UPDATE)."""
    claimed = AbsenceReport.objects.filter(pk=report.pk, status=AbsenceReport.Status.PENDING).update(
        status=status, decided_by=decided_by, decided_at=timezone.now(), decision_note=note.strip()[:300]
    )
    if not claimed:
        raise OfficeError("This report has already been decided.")


def _decide_request(leave: LeaveRequest, decision: str, decided_by, note: str) -> None:
    """Move a pending leave request to `decision`; only one of two racing decisions can (a conditional UPDATE)."""
    claimed = LeaveRequest.objects.filter(pk=leave.pk, decision=LeaveRequest.Decision.PENDING).update(
        decision=decision, decided_by=decided_by, decided_at=timezone.now(), decision_note=note.strip()[:500]
    )
    if not claimed:
        raise OfficeError("This request has already been decided.")


@transaction.atomic
def confirm_report(*, access: Access, report_id: int, decided_by) -> UpsertResult:
    """Confirm a pending report: its code goes into every replaceable session it covers, past or future.

    Raises OfficeError when the report was already decided, or when it proposes C and the user is not the head.
    """
    report = office_report(access, report_id)
    if report.code in HEAD_ONLY_CODES and report.school_id not in access.leave_decision_school_ids:
        raise OfficeError(
            f"{report.code} ({REPORT_CODES[report.code].lower()}) is leave only the headteacher can grant: ask them "
            "to confirm this report, or record a leave request."
        )
    _decide_report(report, AbsenceReport.Status.CONFIRMED, decided_by)
    return _write(report.school, report_plan(report), report.pupil_id, decided_by, report_mark_reason(report))


@transaction.atomic
def reject_report(*, access: Access, report_id: int, decided_by, note: str) -> None:
    """Mark a pending report as not accepted, with the officer's note; no marks change."""
    report = office_report(access, report_id)
    _decide_report(report, AbsenceReport.Status.REJECTED, decided_by, note)


def pending_reports(access: Access) -> QuerySet:
    """Reports waiting for an officer at the user's office schools, oldest first, with pupil, school and recorder."""
    return (
        _reports(access)
        .filter(status=AbsenceReport.Status.PENDING)
        .select_related("pupil", "school", "recorded_by")
        .order_by("recorded_at", "pk")
    )


def recently_decided_reports(access: Access, limit: int = 20) -> QuerySet:
    """The latest decided reports, newest decision first."""
    return (
        _reports(access)
        .exclude(status=AbsenceReport.Status.PENDING)
        .select_related("pupil", "school", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def pending_report_count(access: Access) -> int:
    return _reports(access).filter(status=AbsenceReport.Status.PENDING).count()


# --- Leave requests ---------------------------------------------------------------------------------------------


@transaction.atomic
def record_leave_request(
    *,
    access: Access,
    pupil_id: int,
    contact_id: int | None,
    kind: str,
    reason: str,
    first_day: dt.date,
    last_day: dt.date,
    requested_on: dt.date,
    recorded_by,
    today: dt.date,
) -> LeaveRequest:
    """Record a parent's request for leave of absence, waiting for the head's decision."""
    enrolment = office_enrolment(access, pupil_id, today)
    contact = None
    if contact_id is not None:
        link = next((link for link in pupil_contacts(enrolment) if link.contact_id == contact_id), None)
        if link is None:
            raise OfficeError("That contact is not one of this pupil's contacts.")
        contact = link.contact
    return LeaveRequest.objects.create(
        trust_id=enrolment.trust_id,
        school=enrolment.school,
        pupil_id=pupil_id,
        contact=contact,
        kind=kind,
        reason=reason.strip(),
        first_day=first_day,
        last_day=last_day,
        requested_on=requested_on,
        recorded_by=recorded_by,
    )


def _school_days_requested() -> Coalesce:
    """The number of the school's school days from the request's first day to its last, as a subquery."""
    days = (
        SchoolDay.objects.filter(
            trust=OuterRef("trust"),
            school=OuterRef("school"),
            date__gte=OuterRef("first_day"),
            date__lte=OuterRef("last_day"),
        )
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(days, output_field=IntegerField()), Value(0))


def leave_requests(access: Access, limit: int = 100) -> QuerySet:
    """Requests at the user's office schools, waiting ones first, then by first day (latest first), each annotated
    with `school_days`: the school days it asks for."""
    return (
        LeaveRequest.objects.for_trust(access.trust)
        .filter(school_id__in=access.office_school_ids)
        .annotate(school_days=_school_days_requested())
        .select_related("pupil", "school", "decided_by")
        .order_by(
            # Waiting requests first: the head's queue.
            Case(When(decision=LeaveRequest.Decision.PENDING, then=Value(0)), default=Value(1)),
            "-first_day",
            "-pk",
        )[:limit]
    )


def office_leave(access: Access, leave_id: int) -> LeaveRequest:
    """One leave request at the user's office schools, annotated with `school_days`; else 404."""
    requests = (
        LeaveRequest.objects.for_trust(access.trust)
        .filter(school_id__in=access.office_school_ids)
        .annotate(school_days=_school_days_requested())
        .select_related("pupil", "school", "contact", "recorded_by", "decided_by")
    )
    leave = requests.filter(pk=leave_id).first()
    if leave is None:
        raise Http404("No such leave request")
    return leave


def leave_plan(leave: LeaveRequest, code: str, through: dt.date | None = None) -> list[SessionPlan]:
    """Every session of the request's school days (up to `through`, if given) and what recording `code` does."""
    last = min(leave.last_day, through) if through else leave.last_day
    if last < leave.first_day:
        return []
    sessions = sessions_between(leave.first_day, "AM", last, "PM", _school_days(leave.school, leave.first_day, last))
    return plan_sessions(sessions, _current_codes(leave.trust_id, leave.pupil_id, leave.first_day, last), code)


def _decide_leave(access: Access, leave_id: int):
    leave = office_leave(access, leave_id)
    if leave.school_id not in access.leave_decision_school_ids:
        raise OfficeError("Only the headteacher decides leave requests.")
    if leave.decision != LeaveRequest.Decision.PENDING:
        raise OfficeError(f"This request has already been {leave.get_decision_display().lower()}.")
    return leave


@transaction.atomic
def grant_leave(*, access: Access, leave_id: int, decided_by, note: str, today: dt.date) -> UpsertResult:
    """Grant a pending request: its school days get the kind's code (C, C1, J1, S or C2) wherever a reason may go.

    Raises OfficeError for a holiday (term-time holidays cannot be authorised), an already decided request, or a
    user who is not the school's head.
    """
    leave = _decide_leave(access, leave_id)
    if leave.kind == LeaveRequest.Kind.HOLIDAY:
        raise OfficeError(HOLIDAY_REFUSED)
    _decide_request(leave, LeaveRequest.Decision.GRANTED, decided_by, note)
    reason = f"Leave granted by {_name(decided_by)} on {_long_date(today)}"
    return _write(leave.school, leave_plan(leave, leave.kind), leave.pupil_id, decided_by, reason)


@transaction.atomic
def refuse_leave(*, access: Access, leave_id: int, decided_by, note: str) -> None:
    """Refuse a pending request; no marks change now (they follow if the leave is taken all the same)."""
    leave = _decide_leave(access, leave_id)
    _decide_request(leave, LeaveRequest.Decision.REFUSED, decided_by, note)


@transaction.atomic
def record_leave_taken(*, access: Access, leave_id: int, recorded_by, today: dt.date) -> UpsertResult:
    """Refused leave taken all the same: its school days up to today are coded G where the pupil was absent.

    Safe to record again as more of the leave passes. Raises OfficeError when the request was not refused or its
    first day has not come.
    """
    leave = office_leave(access, leave_id)
    if leave.decision != LeaveRequest.Decision.REFUSED:
        raise OfficeError("Only refused leave can be recorded as taken; granted leave is already in the register.")
    if leave.first_day > today:
        raise OfficeError(f"The leave starts on {leave.first_day:%d %b %Y}: record it as taken once it has begun.")
    LeaveRequest.objects.filter(pk=leave.pk).update(taken_when_refused=True)
    return _write(
        leave.school, leave_plan(leave, "G", through=today), leave.pupil_id, recorded_by, "Leave refused and taken"
    )


# --- N becomes O ------------------------------------------------------------------------------------------------

# pg_advisory_xact_lock's first key: this job's namespace, so the school id can be the second.
N_TO_O_LOCK = 7201


@dataclass(frozen=True)
class Conversion:
    cutoff: dt.date | None  # N marks on or before this date were overdue; None when none could be yet
    converted: int


@transaction.atomic
def convert_overdue_n(school: School, today: dt.date) -> Conversion:
    """Turn the school's N marks into O where no reason came within its limit of school days (holidays not counted).

    One conditional UPDATE, so a mark that got a reason meanwhile is left alone and a second run changes nothing;
    the history triggers keep each change, recorded by no one, from the office, with the reason. A session covered by
    a report still waiting for an officer already has a reason, so it is left as N for the officer.
    """
    with connection.cursor() as cursor:
        # One run per school at a time; a second waits, then finds nothing left to change.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [N_TO_O_LOCK, school.pk])
    days = SchoolDay.objects.for_trust(school.trust_id).filter(school=school, date__lte=today)
    cutoff = overdue_through(today, days.values_list("date", flat=True), school.reason_deadline_days)
    if cutoff is None:
        return Conversion(cutoff=None, converted=0)
    reported = AbsenceReport.objects.filter(
        Q(first_day__lt=OuterRef("date")) | Q(first_day=OuterRef("date"), first_session__lte=OuterRef("session")),
        Q(last_day__gt=OuterRef("date")) | Q(last_day=OuterRef("date"), last_session__gte=OuterRef("session")),
        pupil=OuterRef("pupil"),
        status=AbsenceReport.Status.PENDING,
    )
    days_word = "school day" if school.reason_deadline_days == 1 else "school days"
    converted = (
        Mark.objects.for_trust(school.trust_id)
        .filter(school=school, code="N", date__lte=cutoff)
        .filter(~Exists(reported))
        .update(
            code="O",
            local_code="",
            source=Mark.Source.OFFICE,
            recorded_by=None,
            recorded_at=timezone.now(),
            reason=f"No reason within {school.reason_deadline_days} {days_word}",
        )
    )
    return Conversion(cutoff=cutoff, converted=converted)
