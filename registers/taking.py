"""Taking a register: what one group's register shows, saving it, and the registers still missing for a session.

Marks are written only through registers.services.upsert_marks. Two rules decide what a save may change (the pure
functions `edit_kind` and `current_session` below take plain values, so they are tested without a database):

- a teacher may not overwrite a mark set by the office, an import or the API (a parent's reported I, an M); the
  office may, as it may take any register of its school on the teacher's behalf;
- while the register is open, a code this register recorded may be amended without a typed reason; after it has
  closed, or for a mark from another source, a changed code needs the reason typed in.

A register counts as taken (a RegisterTaking row) once every pupil on it has a mark; the first completion is kept,
later amendments live in the marks' history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from schools.access import Access
from schools.models import Enrolment, Notification, Pupil, RegistrationGroup, School, SchoolDay, Trust
from schools.tenancy import get_for_trust_or_404

from . import codes as C
from .lateness import PRESENT_CODE, SessionTimes, register_is_open
from .models import Mark, RegisterTaking
from .services import MarkInput, upsert_marks

AMENDED_WHILE_OPEN = "Amended while taking the register"
SESSION_NAMES = dict(Mark.Session.choices)  # "AM" -> "Morning"
# The codes with a key of their own on the register page, besides "." for present: (key, code, label).
QUICK_CODES = [("L", "L", "Late"), ("N", "N", "No reason"), ("I", "I", "Ill"), ("M", "M", "Medical")]
# The afternoon register is the one to take from midday, or from an afternoon roll call that starts earlier.
MIDDAY = dt.time(12, 0)


# --- Rules (plain values in, plain values out) ------------------------------------------------------------------


class Edit(enum.StrEnum):
    FREE = "free"  # a first mark, or a change to minutes late or the note only
    AMEND = "amend"  # a code this register recorded, changed while the register is open: no typed reason
    NEEDS_REASON = "needs_reason"  # a changed code after close, or a code from another source
    LOCKED = "locked"  # set by the office, an import or the API: only the office may change it


def edit_kind(*, marked: bool, by_register: bool, code_changes: bool, register_open: bool, by_office: bool) -> Edit:
    """How a change to one pupil's mark may be saved from the register.

    `marked`: the pupil already has a mark for the session; `by_register`: that mark came from a register;
    `by_office`: the person saving runs the school's attendance office.
    """
    if not marked:
        return Edit.FREE
    if not by_register and not by_office:
        return Edit.LOCKED
    if not code_changes:
        return Edit.FREE
    if by_register and register_open:
        return Edit.AMEND
    return Edit.NEEDS_REASON


def current_session(now: dt.time, pm_starts: dt.time) -> str:
    """The register a teacher is most likely about to take at `now`: "AM" or "PM"."""
    return "PM" if now >= min(MIDDAY, pm_starts) else "AM"


def codes_by_category(session: str) -> list[tuple[C.Category, list[C.Code]]]:
    """Every code a register may record, by DfE category; of "/" and "\\" only the session's own present code."""
    other_present = set(PRESENT_CODE.values()) - {PRESENT_CODE[session]}
    codes = [c for c in C.TABLE if c.code not in other_present]
    return [(category, [c for c in codes if c.category is category]) for category in C.Category]


def session_times(school: School, session: str) -> SessionTimes:
    """The school's roll-call start, register close and late limit for the morning or the afternoon."""
    if session == Mark.Session.PM:
        return SessionTimes(school.pm_day_starts, school.pm_registers_close, school.pm_late_until)
    return SessionTimes(school.day_starts, school.registers_close, school.late_until)


def register_url(group: RegistrationGroup, day: dt.date, session: str) -> str:
    return reverse("registers:take_register", kwargs={"group_id": group.pk, "day": day, "session": session})


def person(user) -> str:
    """A member of staff's name as the pages show it."""
    return (user.get_full_name() or user.get_username()) if user else "unknown"


# --- One register ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    pupil: Pupil
    mark: Mark | None
    locked: bool  # set by the office (or an import or the API) and the person taking the register is a teacher

    @property
    def code(self) -> str:
        return self.mark.code if self.mark else ""


@dataclass(frozen=True)
class Register:
    group: RegistrationGroup
    date: dt.date
    session: str
    times: SessionTimes
    is_school_day: bool
    is_future: bool
    is_open: bool
    by_office: bool  # the person taking it runs the school's office: office codes are not locked for them
    on_behalf: bool  # the office taking a register of a group they do not tutor
    taking: RegisterTaking | None
    rows: list[Row]

    @property
    def can_be_taken(self) -> bool:
        return self.is_school_day and not self.is_future

    @property
    def present_code(self) -> str:
        return PRESENT_CODE[self.session]

    @property
    def session_name(self) -> str:
        return SESSION_NAMES[self.session]

    @property
    def url(self) -> str:
        return register_url(self.group, self.date, self.session)

    @property
    def keys(self) -> list[tuple[str, str, str]]:
        """(key, code, label) for the codes with a key of their own while taking the register."""
        return [(".", self.present_code, "Present"), *QUICK_CODES]

    @property
    def quick_codes(self) -> set[str]:
        return {code for _, code, _ in self.keys}

    @property
    def code_groups(self) -> list[tuple[C.Category, list[C.Code]]]:
        return codes_by_category(self.session)

    @property
    def unmarked(self) -> int:
        """Pupils on the register with no mark yet (the rows are pupils, one each)."""
        return sum(row.mark is None for row in self.rows)

    @property
    def tutors(self) -> str:
        return ", ".join(person(t) for t in self.group.tutors.all()) or "no tutor assigned"

    def row_for(self, pupil_id: int) -> Row:
        """The pupil's row; 404 for a pupil who is not on this register."""
        for row in self.rows:
            if row.pupil.pk == pupil_id:
                return row
        raise Http404("That pupil is not on this register")


def group_for_taking(access: Access, group_id: int) -> RegistrationGroup:
    """The group, with its school and tutors; 404 outside the trust or for someone who may not take its register."""
    # The school's trust too: saving a mark refreshes the school's summaries, which name it.
    groups = RegistrationGroup.objects.select_related("school__trust", "trust").prefetch_related("tutors")
    group = get_for_trust_or_404(groups, access.trust, pk=group_id)
    if not access.can_take_register(group):
        raise Http404("No register here")
    return group


def pupils_on_register(group: RegistrationGroup, day: dt.date) -> QuerySet:
    """The group's pupils who are on the school's roll on `day`."""
    return Pupil.objects.for_trust(group.trust_id).filter(group=group).on_roll(group.school, day)


def load_register(access: Access, group: RegistrationGroup, day: dt.date, session: str, now: dt.datetime) -> Register:
    """Everything the register page shows, in a fixed number of queries however many pupils are on it."""
    trust = group.trust_id
    now = timezone.localtime(now)
    times = session_times(group.school, session)
    pupils = list(pupils_on_register(group, day).order_by("legal_surname", "legal_forename", "pk"))
    marks = {
        m.pupil_id: m
        for m in Mark.objects.for_trust(trust)
        .filter(pupil_id__in=[p.pk for p in pupils], date=day, session=session)
        .select_related("recorded_by")
    }
    by_office = group.school_id in access.office_school_ids
    tutor_ids = {t.pk for t in group.tutors.all()}
    return Register(
        group=group,
        date=day,
        session=session,
        times=times,
        is_school_day=SchoolDay.objects.for_trust(trust).filter(school_id=group.school_id, date=day).exists(),
        is_future=day > now.date(),
        is_open=day == now.date() and register_is_open(now.time(), times),
        by_office=by_office,
        on_behalf=by_office and access.user_id not in tutor_ids,
        taking=RegisterTaking.objects.for_trust(trust)
        .filter(group=group, date=day, session=session)
        .select_related("taken_by")
        .first(),
        rows=[
            Row(
                pupil=p,
                mark=marks.get(p.pk),
                locked=not by_office and p.pk in marks and marks[p.pk].source != Mark.Source.REGISTER,
            )
            for p in pupils
        ],
    )


def with_pupil_reloaded(register: Register, pupil_id: int) -> Register:
    """The register as load_register would give it after a save of one pupil's row, re-reading only that pupil's mark
    and the register's taking (two queries, rather than every pupil and mark of the register again)."""
    mark = (
        Mark.objects.for_trust(register.group.trust_id)
        .filter(pupil_id=pupil_id, date=register.date, session=register.session)
        .select_related("recorded_by")
        .first()
    )
    taking = (
        RegisterTaking.objects.for_trust(register.group.trust_id)
        .filter(group=register.group, date=register.date, session=register.session)
        .select_related("taken_by")
        .first()
    )
    rows = [
        Row(
            pupil=row.pupil,
            mark=mark,
            locked=not register.by_office and mark is not None and mark.source != Mark.Source.REGISTER,
        )
        if row.pupil.pk == pupil_id
        else row
        for row in register.rows
    ]
    return dataclasses.replace(register, taking=taking, rows=rows)


# --- Saving ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One pupil's mark as the register sends it; `note` None leaves the mark's note as it is."""

    pupil_id: int
    code: str
    minutes_late: int | None = None
    note: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Saved:
    written: int  # marks created or changed
    taking: RegisterTaking | None  # set once every pupil has a mark
    completed_now: bool  # this save completed the register


class RegisterNotSaved(Exception):
    """Some rows may not be saved as sent; nothing was saved. `errors` maps pupil ids to what to do about it."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _differs(mark: Mark, entry: Entry) -> bool:
    late = entry.code in C.LATE and entry.minutes_late is not None and entry.minutes_late != mark.minutes_late
    return mark.code != entry.code or late or (entry.note is not None and entry.note != mark.note)


def _refusal(mark: Mark, entry: Entry, edit: Edit, register: Register) -> str:
    if edit is Edit.LOCKED:
        return (
            f"{mark.code} was set by the {mark.get_source_display().lower()} ({person(mark.recorded_by)}); "
            "only the attendance office can change it."
        )
    if mark.source != Mark.Source.REGISTER:
        return f"Changing {mark.code} to {entry.code} needs a reason: the {mark.get_source_display().lower()} set it."
    return f"Changing {mark.code} to {entry.code} needs a reason: the register closed at {register.times.closes:%H:%M}."


@transaction.atomic
def save_marks(register: Register, entries: list[Entry], user, reason: str = "") -> Saved:
    """Record the register's entries (entries with no code are skipped: a mark is never removed).

    `reason` applies to every correction that has none of its own. Raises RegisterNotSaved, saving nothing, when a
    row is locked for this user or a correction lacks a reason.
    """
    if not register.can_be_taken:
        raise ValueError("this register cannot be taken")
    entries = [e for e in entries if e.code]
    current = {
        m.pupil_id: m
        for m in Mark.objects.for_trust(register.group.trust_id)
        .filter(pupil_id__in=[e.pupil_id for e in entries], date=register.date, session=register.session)
        .select_related("recorded_by")
        .select_for_update(of=("self",))
    }
    by_reason: dict[str, list[MarkInput]] = {}
    errors: dict[int, str] = {}
    for entry in entries:
        mark = current.get(entry.pupil_id)
        if mark is not None and not _differs(mark, entry):
            continue
        edit = edit_kind(
            marked=mark is not None,
            by_register=mark is not None and mark.source == Mark.Source.REGISTER,
            code_changes=mark is not None and mark.code != entry.code,
            register_open=register.is_open,
            by_office=register.by_office,
        )
        typed = (entry.reason or reason).strip()
        if edit is Edit.LOCKED or (edit is Edit.NEEDS_REASON and not typed):
            errors[entry.pupil_id] = _refusal(mark, entry, edit, register)
            continue
        # A first mark is not a correction: it carries no reason, typed or not.
        why = "" if mark is None else typed or (AMENDED_WHILE_OPEN if edit is Edit.AMEND else "")
        by_reason.setdefault(why, []).append(
            MarkInput(entry.pupil_id, register.date, register.session, entry.code, "", entry.minutes_late, entry.note)
        )
    if errors:
        raise RegisterNotSaved(errors)
    written = 0
    for why, marks in by_reason.items():
        result = upsert_marks(
            school=register.group.school, marks=marks, source=Mark.Source.REGISTER, recorded_by=user, reason=why
        )
        written += result.created + result.corrected
    return _saved(register, user, written)


@transaction.atomic
def mark_all_present(register: Register, user) -> Saved:
    """Give every pupil on the register who has no mark yet the session's present code; others are left alone."""
    if not register.can_be_taken:
        raise ValueError("this register cannot be taken")
    pupils = pupils_on_register(register.group, register.date).values("pk")
    marks = Mark.objects.for_trust(register.group.trust_id)
    unmarked = pupils.exclude(Exists(marks.filter(pupil=OuterRef("pk"), date=register.date, session=register.session)))
    marks = [
        MarkInput(pk, register.date, register.session, register.present_code)
        for pk in unmarked.values_list("pk", flat=True)
    ]
    result = upsert_marks(school=register.group.school, marks=marks, source=Mark.Source.REGISTER, recorded_by=user)
    return _saved(register, user, result.created)


def _saved(register: Register, user, written: int) -> Saved:
    taking, created = record_taking_if_complete(register.group, register.date, register.session, user)
    return Saved(written=written, taking=taking, completed_now=created)


def record_taking_if_complete(
    group: RegistrationGroup, day: dt.date, session: str, user
) -> tuple[RegisterTaking | None, bool]:
    """(the register's RegisterTaking, created now?) once every pupil on it has a mark; (None, False) before that.

    When the taking is recorded, the tutors' reminders about this register are marked read: they have done their job.
    """
    marked = Exists(Mark.objects.for_trust(group.trust_id).filter(pupil=OuterRef("pk"), date=day, session=session))
    counts = (
        pupils_on_register(group, day)
        .annotate(has_mark=marked)
        .aggregate(on_roll=Count("pk"), unmarked=Count("pk", filter=Q(has_mark=False)))
    )
    if not counts["on_roll"] or counts["unmarked"]:
        return None, False
    taking, created = RegisterTaking.objects.get_or_create(
        group=group,
        date=day,
        session=session,
        defaults={
            "trust_id": group.trust_id,
            "school_id": group.school_id,
            "taken_by": user,
            "taken_at": timezone.now(),
        },
    )
    if created:
        Notification.objects.for_trust(group.trust_id).filter(
            kind=Notification.Kind.REGISTER_REMINDER, url=register_url(group, day, session), read_at__isnull=True
        ).update(read_at=taking.taken_at)
    return taking, created


# --- Many registers: "my registers" and missing registers --------------------------------------------------------


@dataclass(frozen=True)
class GroupRegister:
    """One group's register for a session, as a line in a list."""

    group: RegistrationGroup
    date: dt.date
    session: str
    on_roll: int
    marked: int
    is_school_day: bool
    taking: RegisterTaking | None
    reminded: bool = False

    @property
    def url(self) -> str:
        return register_url(self.group, self.date, self.session)

    @property
    def tutors(self) -> list[str]:
        return [person(t) for t in self.group.tutors.all()]

    @property
    def unmarked(self) -> int:
        return self.on_roll - self.marked


def _count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of a correlated subquery, as an annotation (0 when nothing matches)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _group_on_roll(trust: Trust | int, day: dt.date) -> QuerySet:
    """The pupils of the outer query's group who are on its school's roll on `day` (a correlated subquery)."""
    enrolled = Enrolment.objects.for_trust(trust).filter(
        pupil=OuterRef("pk"), school_id=OuterRef("group__school_id"), starts__lte=day
    )
    enrolled = enrolled.filter(Q(ends__isnull=True) | Q(ends__gte=day))
    return Pupil.objects.for_trust(trust).filter(group=OuterRef("pk")).filter(Exists(enrolled))


def with_register_state(groups: QuerySet, trust: Trust | int, day: dt.date, session: str) -> QuerySet:
    """The groups annotated with the state of their register for one session, in a fixed number of queries.

    Annotates `on_roll` (pupils on roll on `day`), `marked` (those with a mark for the session) and `is_school_day`;
    prefetches the tutors and the session's takings (as the list `session_takings`).
    """
    on_roll = _group_on_roll(trust, day)
    marks = Mark.objects.for_trust(trust).filter(pupil=OuterRef("pk"), date=day, session=session)
    marked = on_roll.filter(Exists(marks))
    school_day = SchoolDay.objects.for_trust(trust).filter(school_id=OuterRef("school_id"), date=day)
    takings = RegisterTaking.objects.for_trust(trust).filter(date=day, session=session).select_related("taken_by")
    return groups.annotate(
        on_roll=_count(on_roll), marked=_count(marked), is_school_day=Exists(school_day)
    ).prefetch_related(
        # In name order, so the list reads the same on every load.
        Prefetch("tutors", queryset=get_user_model().objects.order_by("last_name", "first_name", "pk")),
        Prefetch("takings", queryset=takings, to_attr="session_takings"),
    )


def _lines(groups: QuerySet, day: dt.date, session: str) -> list[GroupRegister]:
    return [
        GroupRegister(g, day, session, g.on_roll, g.marked, g.is_school_day, next(iter(g.session_takings), None))
        for g in groups
    ]


@dataclass(frozen=True)
class MyRegisters:
    date: dt.date
    session: str
    groups: list[GroupRegister]  # the groups the user tutors
    office_schools: list[School]  # schools where the user may see missing registers, each with `missing`
    reminders: list[Notification]  # unread register reminders sent to the user


def default_session(access: Access, now: dt.datetime) -> str:
    """The session to preselect: by the afternoon start of the user's first school (tutor groups first)."""
    now = timezone.localtime(now)
    school = (
        School.objects.for_trust(access.trust)
        .filter(Q(groups__tutors__id=access.user_id) | Q(pk__in=access.office_school_ids))
        .order_by("name")
        .first()
    )
    return current_session(now.time(), school.pm_day_starts if school else MIDDAY)


def my_registers(access: Access, day: dt.date, session: str) -> MyRegisters:
    """The user's groups with the state of each register, their office schools' missing counts, unread reminders."""
    trust = access.trust
    groups = RegistrationGroup.objects.for_trust(trust).filter(tutors__id=access.user_id).select_related("school")
    groups = with_register_state(groups.order_by("school__name", "year_group", "name"), trust, day, session)
    office = (
        School.objects.for_trust(trust)
        .filter(pk__in=access.office_school_ids)
        .annotate(
            missing=_count(
                _missing(RegistrationGroup.objects.for_trust(trust).filter(school=OuterRef("pk")), trust, day, session)
            )
        )
        .order_by("name")
    )
    reminders = (
        Notification.objects.for_trust(trust)
        .filter(recipient_id=access.user_id, kind=Notification.Kind.REGISTER_REMINDER, read_at__isnull=True)
        .select_related("created_by")
        .order_by("-created_at")
    )
    return MyRegisters(day, session, _lines(groups, day, session), list(office), list(reminders))


def _missing(groups: QuerySet, trust: Trust | int, day: dt.date, session: str) -> QuerySet:
    """The groups with a pupil on roll whose register for the session has not been taken (school days only)."""
    taken = RegisterTaking.objects.for_trust(trust).filter(group=OuterRef("pk"), date=day, session=session)
    school_day = SchoolDay.objects.for_trust(trust).filter(school_id=OuterRef("school_id"), date=day)
    return groups.filter(Exists(_group_on_roll(trust, day)), Exists(school_day)).exclude(Exists(taken))


@dataclass(frozen=True)
class SessionRegisters:
    school: School
    date: dt.date
    session: str
    is_school_day: bool
    missing: list[GroupRegister]
    taken: list[GroupRegister]
    starts: dt.time  # roll call for the session begins
    not_due: bool  # it is the day itself and roll call has not begun yet

    @property
    def session_name(self) -> str:
        return SESSION_NAMES[self.session]

    @property
    def can_remind(self) -> bool:
        return any(line.tutors and not line.reminded for line in self.missing)


def office_schools(access: Access) -> list[School]:
    """The schools whose attendance office the user runs, by name."""
    return list(School.objects.for_trust(access.trust).filter(pk__in=access.office_school_ids).order_by("name"))


def office_school(access: Access, school_id: int | None) -> School:
    """The named school, if the user runs its office (404 otherwise), or their first office school by name.

    Raises PermissionDenied when no school is named and the user runs no school's office (a teacher).
    """
    schools = School.objects.for_trust(access.trust).filter(pk__in=access.office_school_ids).order_by("name")
    if school_id is None:
        if (school := schools.first()) is None:
            raise PermissionDenied("Missing registers are for a school's attendance office.")
        return school
    return get_object_or_404(schools, pk=school_id)


def session_registers(school: School, day: dt.date, session: str, now: dt.datetime) -> SessionRegisters:
    """The school's registers for one session: those not taken yet (with whether their tutors have been reminded)
    and those taken. Groups with nobody on roll have no register."""
    groups = RegistrationGroup.objects.for_trust(school.trust_id).filter(school=school).select_related("school")
    lines = _lines(
        with_register_state(groups.order_by("year_group", "name"), school.trust_id, day, session), day, session
    )
    reminded = _reminded(school, [line.url for line in lines])
    lines = [dataclasses.replace(line, reminded=line.url in reminded) for line in lines if line.on_roll]
    is_school_day = SchoolDay.objects.for_trust(school.trust_id).filter(school=school, date=day).exists()
    times, now = session_times(school, session), timezone.localtime(now)
    return SessionRegisters(
        school=school,
        date=day,
        session=session,
        is_school_day=is_school_day,
        missing=[line for line in lines if line.taking is None] if is_school_day else [],
        taken=[line for line in lines if line.taking is not None],
        starts=times.starts,
        not_due=day == now.date() and now.time() < times.starts,
    )


def _reminded(school: School, urls: list[str]) -> set[str]:
    """Those of the registers (by URL: a reminder links to its register) whose tutors have been reminded."""
    reminders = Notification.objects.for_trust(school.trust_id).filter(
        school=school, kind=Notification.Kind.REGISTER_REMINDER, url__in=urls
    )
    return set(reminders.values_list("url", flat=True).distinct())


@dataclass(frozen=True)
class Reminded:
    sent: int  # notifications created
    groups: int  # groups whose tutors were reminded now
    already: int  # groups reminded before (nothing sent again)
    no_tutor: list[str]  # missing groups with nobody to remind


@transaction.atomic
def send_reminders(school: School, day: dt.date, session: str, sent_by, group_ids: list[int] | None = None) -> Reminded:
    """Remind the tutors of the school's missing registers for the session (all of them, or those in `group_ids`).

    A group's tutors are reminded once per session: pressing again sends nothing new. Groups taken meanwhile are
    skipped.
    """
    groups = RegistrationGroup.objects.for_trust(school.trust_id).filter(school=school)
    if group_ids is not None:
        groups = groups.filter(pk__in=group_ids)
    # Lock the groups, so that two presses at once cannot both see "not reminded yet".
    groups = list(
        _missing(groups, school.trust_id, day, session)
        .select_for_update(of=("self",))
        .prefetch_related("tutors")
        .order_by("year_group", "name")
    )
    reminded = _reminded(school, [register_url(group, day, session) for group in groups])
    new, already, no_tutor = [], 0, []
    for group in groups:
        url = register_url(group, day, session)
        tutors = list(group.tutors.all())
        if not tutors:
            no_tutor.append(group.name)
        elif url in reminded:
            already += 1
        else:
            message = (
                f"Please take the {group.name} {SESSION_NAMES[session].lower()} register for "
                f"{day:%A} {day.day} {day:%B}: it has not been taken yet."
            )
            new.extend(
                Notification(
                    trust_id=school.trust_id,
                    school=school,
                    recipient=tutor,
                    kind=Notification.Kind.REGISTER_REMINDER,
                    message=message,
                    url=url,
                    created_by=sent_by,
                )
                for tutor in tutors
            )
    Notification.objects.bulk_create(new)
    return Reminded(sent=len(new), groups=len({n.url for n in new}), already=already, no_tutor=no_tutor)
