"""Reads behind the school, pupil and home pages: pupil-list filters, year-to-date figures and the calendar grid.

Every function takes the user's Access (or a trust) and scopes by it; counts come from SQL, never from a loop over
marks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from registers import codes as C
from registers.attendance import pupil_statistics, school_statistics, year_to_date
from registers.history import history_for_pupil
from registers.models import COUNT_FIELDS, Mark
from registers.statistics import SessionCounts, total
from registers.summaries import window_totals_by_school

from .access import Access
from .calendar import week_of
from .models import Enrolment, Pupil, PupilContact, RegistrationGroup, School, SchoolDay, Trust
from .tenancy import get_for_trust_or_404
from .timeline import Cursor, Timeline, context_user_id, timeline_for, users_named_in

PUPILS_PER_PAGE = 50
# The pupil page shows the latest corrections; older history stays in the database and the audit export.
HISTORY_ROWS = 200
PERSISTENT, SEVERE = "pa", "sa"
SEN_ANY = "any"


# --- The pupil list -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PupilFilters:
    """What the pupil list is narrowed by; empty values mean "no filter"."""

    search: str = ""
    school: School | None = None
    year_group: str = ""
    group: RegistrationGroup | None = None
    fsm: bool = False
    sen: str = ""  # "", SEN_ANY, or a Pupil.SEN code
    eal: bool = False
    safeguarding: bool = False
    absence: str = ""  # "", PERSISTENT or SEVERE, year to date


@dataclass(frozen=True)
class PupilRow:
    pupil: Pupil
    school: School | None
    counts: SessionCounts


@dataclass(frozen=True)
class PupilListPage:
    page: Page
    rows: list[PupilRow]


def marks_year_to_date(trust: Trust, today: dt.date) -> QuerySet:
    """The trust's marks this academic year up to `today`, counted only while each pupil was on roll."""
    return Mark.objects.for_trust(trust).between(*year_to_date(today)).while_enrolled()


def groups_visible_to(access: Access) -> QuerySet:
    """Registration groups in the user's schools; where they only teach, the groups they tutor."""
    visible = Q(school_id__in=access.school_ids) | Q(
        school_id__in=access.teaching_school_ids, tutors__id=access.user_id
    )
    return (
        RegistrationGroup.objects.for_trust(access.trust)
        .filter(pk__in=RegistrationGroup.objects.filter(visible).values("pk"))
        .select_related("school")
        .order_by("school__name", "year_group", "name")
    )


def matching_search(pupils: QuerySet, text: str) -> QuerySet:
    """Pupils whose names or UPN contain every word of `text` ("ann able", "able", "A1000")."""
    for word in text.split():
        pupils = pupils.filter(
            Q(legal_forename__icontains=word)
            | Q(legal_surname__icontains=word)
            | Q(preferred_forename__icontains=word)
            | Q(preferred_surname__icontains=word)
            | Q(upn__icontains=word)
        )
    return pupils


def absent_pupil_ids(marks: QuerySet, severity: str) -> QuerySet:
    """Ids of pupils whose absence over `marks` is persistent (10%+) or severe (50%+), as a subquery.

    Compared in whole numbers, as registers.statistics does: absent * 10 >= possible, never after rounding.
    """
    multiplier = 2 if severity == SEVERE else 10
    absent = F("authorised") + F("unauthorised")
    return marks.counts_by_pupil().filter(possible__gt=0, possible__lte=absent * multiplier).values("pupil")


def filtered_pupils(access: Access, filters: PupilFilters, today: dt.date) -> QuerySet:
    """The pupils the user may see, narrowed by `filters`, in name order (stable for paging)."""
    pupils = Pupil.objects.visible_to(access)
    if filters.search:
        pupils = matching_search(pupils, filters.search)
    if filters.school:
        enrolled = Enrolment.objects.for_trust(access.trust).filter(school=filters.school).values("pupil")
        pupils = pupils.filter(pk__in=enrolled)
    if filters.year_group:
        pupils = pupils.filter(year_group=filters.year_group)
    if filters.group:
        pupils = pupils.filter(group=filters.group)
    if filters.fsm:
        pupils = pupils.filter(fsm=True)
    if filters.sen == SEN_ANY:
        pupils = pupils.exclude(sen=Pupil.SEN.NONE)
    elif filters.sen:
        pupils = pupils.filter(sen=filters.sen)
    if filters.eal:
        pupils = pupils.filter(eal=True)
    if filters.safeguarding:
        # The same flags as Pupil.safeguarding_flags.
        pupils = pupils.filter(Q(looked_after=True) | Q(social_worker=True) | Q(child_protection_plan=True))
    if filters.absence:
        pupils = pupils.filter(pk__in=absent_pupil_ids(marks_year_to_date(access.trust, today), filters.absence))
    return pupils.order_by("legal_surname", "legal_forename", "pk")


def counts_for(pupils: Iterable[Pupil], marks: QuerySet) -> dict[int, SessionCounts]:
    """Each pupil's counts over `marks`, in one grouped query; pupils with no marks are left out."""
    rows = marks.filter(pupil__in=[p.pk for p in pupils]).counts_by_pupil()
    return {row["pupil"]: SessionCounts(**{f: row[f] for f in COUNT_FIELDS}) for row in rows}


def current_school(pupil: Pupil, today: dt.date) -> School | None:
    """The school of the pupil's open enrolment on `today` (else the latest one); reads prefetched enrolments."""
    enrolments = sorted(pupil.enrolments.all(), key=lambda e: e.starts)
    on_roll = [e for e in enrolments if e.starts <= today and (e.ends is None or e.ends >= today)]
    chosen = (on_roll or enrolments or [None])[-1]
    return chosen.school if chosen else None


def pupil_list(access: Access, filters: PupilFilters, today: dt.date, page_number: object) -> PupilListPage:
    """One page of the filtered pupil list, each pupil with their year-to-date counts.

    A fixed number of queries however many pupils are on the page: count, page, enrolments, and one grouped count.
    """
    pupils = (
        filtered_pupils(access, filters, today)
        .select_related("group")
        .prefetch_related(
            Prefetch("enrolments", queryset=Enrolment.objects.for_trust(access.trust).select_related("school"))
        )
    )
    page = Paginator(pupils, PUPILS_PER_PAGE).get_page(page_number)
    counts = counts_for(page.object_list, marks_year_to_date(access.trust, today))
    rows = [
        PupilRow(pupil=p, school=current_school(p, today), counts=counts.get(p.pk, SessionCounts()))
        for p in page.object_list
    ]
    return PupilListPage(page=page, rows=rows)


# --- Schools and groups ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolSummary:
    school: School | None  # None for the sum over several schools
    on_roll: int
    counts: SessionCounts
    persistent: int
    severe: int


@dataclass(frozen=True)
class GroupSummary:
    group: RegistrationGroup
    counts: SessionCounts
    pupils: list  # registers.attendance.PupilStatistics, in name order


def schools_with_roll(access: Access, today: dt.date) -> QuerySet:
    """The user's schools, each annotated with `on_roll`: pupils enrolled on `today`."""
    enrolled_today = Q(enrolments__starts__lte=today) & (
        Q(enrolments__ends__isnull=True) | Q(enrolments__ends__gte=today)
    )
    return (
        access.scope_schools(School.objects.all())
        .select_related("trust")
        .annotate(on_roll=Count("enrolments__pupil", filter=enrolled_today, distinct=True))
        .order_by("name")
    )


def school_summaries(access: Access, today: dt.date) -> list[SchoolSummary]:
    """Year-to-date figures for each of the user's schools: one query for the schools, then two grouped queries for
    all of them, over the weekly summaries and the marks of the part weeks, summed per school by the database
    (registers.summaries)."""
    start, end = year_to_date(today)
    schools = list(schools_with_roll(access, today))
    totals = window_totals_by_school(schools, start, end)
    return [
        SchoolSummary(
            school=school,
            on_roll=school.on_roll,
            counts=totals[school.pk].counts,
            persistent=totals[school.pk].persistent,
            severe=totals[school.pk].severe,
        )
        for school in schools
    ]


def combined(summaries: list[SchoolSummary]) -> SchoolSummary:
    """The schools' figures added together: sessions summed, never percentages averaged."""
    return SchoolSummary(
        school=None,
        on_roll=sum(s.on_roll for s in summaries),
        counts=total(s.counts for s in summaries),
        persistent=sum(s.persistent for s in summaries),
        severe=sum(s.severe for s in summaries),
    )


def tutor_group_summaries(access: Access, today: dt.date) -> list[GroupSummary]:
    """The groups the user tutors where they only teach, each with every pupil's year-to-date figures."""
    start, end = year_to_date(today)
    groups = (
        RegistrationGroup.objects.for_trust(access.trust)
        .filter(school_id__in=access.teaching_school_ids, tutors__id=access.user_id)
        .select_related("school__trust")
        .order_by("name")
    )
    summaries = []
    for group in groups:
        stats = school_statistics(
            group.school, start, end, pupils=Pupil.objects.for_trust(access.trust).filter(group=group)
        )
        summaries.append(GroupSummary(group=group, counts=stats.totals, pupils=stats.pupils))
    return summaries


# --- The pupil page -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionCell:
    session: str
    code: str  # "" when no mark was recorded
    category: str  # a registers.codes.Category value, or "" with no mark

    @property
    def meaning(self) -> str:
        return C.BY_CODE[self.code].meaning if self.code in C.BY_CODE else ""


@dataclass(frozen=True)
class DayCell:
    date: dt.date
    is_school_day: bool
    is_future: bool
    sessions: tuple[SessionCell, SessionCell]


@dataclass(frozen=True)
class WeekRow:
    monday: dt.date
    days: tuple[DayCell, ...]  # Monday to Friday


@dataclass(frozen=True)
class PupilPage:
    pupil: Pupil
    start: dt.date
    end: dt.date
    counts: SessionCounts
    weeks: list[WeekRow]
    history: list  # MarkEvent rows from registers.history, newest first
    timeline: Timeline

    @property
    def knows_school_days(self) -> bool:
        """False when the school's calendar has not been set up, so missing marks and holidays look alike."""
        return any(day.is_school_day for week in self.weeks for day in week.days)


def calendar_grid(
    school_days: Iterable[dt.date], codes: Mapping[tuple[dt.date, str], str], today: dt.date
) -> list[WeekRow]:
    """One row per school week, Monday to Friday, each day with its AM and PM code. Plain values, no queries.

    A school week is a week with at least one school day (or a recorded mark, so no mark is ever hidden); days
    after `today` are future; a weekday that is not a school day is shown as such.
    """
    school_days = set(school_days)
    weeks = sorted({week_of(d) for d in school_days} | {week_of(d) for d, _ in codes})
    rows = []
    for monday in weeks:
        days = []
        for offset in range(5):
            day = monday + dt.timedelta(days=offset)
            sessions = tuple(_cell(session, codes.get((day, session), "")) for session in ("AM", "PM"))
            days.append(DayCell(day, day in school_days, day > today, sessions))
        rows.append(WeekRow(monday, tuple(days)))
    return rows


def _cell(session: str, code: str) -> SessionCell:
    return SessionCell(session, code, C.category_of(code).value if code in C.BY_CODE else "")


def pupil_for_page(access: Access, pk: int) -> Pupil:
    """The pupil with their group, contacts and enrolments loaded; 404 outside the user's trust or scope."""
    trust = access.trust
    pupils = (
        Pupil.objects.visible_to(access)
        .select_related("trust", "group__school")
        .prefetch_related(
            Prefetch(
                "contact_links",
                queryset=PupilContact.objects.for_trust(trust).select_related("contact").order_by("priority"),
            ),
            Prefetch(
                "enrolments", queryset=Enrolment.objects.for_trust(trust).select_related("school").order_by("starts")
            ),
        )
    )
    return get_for_trust_or_404(pupils, trust, pk=pk)


def pupil_calendar(pupil: Pupil, start: dt.date, today: dt.date) -> list[WeekRow]:
    """The pupil's calendar grid from `start` to the end of this week: one query of marks, one of school days.

    School days are those of a school the pupil was on roll at on that day, so days before admission show as closed.
    """
    end_of_week = week_of(today) + dt.timedelta(days=4)
    codes = {
        (day, session): code
        for day, session, code in Mark.objects.for_trust(pupil.trust)
        .filter(pupil=pupil)
        .between(start, today)
        .values_list("date", "session", "code")
    }
    enrolled = Enrolment.objects.for_trust(pupil.trust).filter(
        pupil=pupil, school=OuterRef("school_id"), starts__lte=OuterRef("date")
    )
    enrolled = enrolled.filter(Q(ends__isnull=True) | Q(ends__gte=OuterRef("date")))
    days = (
        SchoolDay.objects.for_trust(pupil.trust)
        .between(start, end_of_week)
        .filter(Exists(enrolled))
        .values_list("date", flat=True)
    )
    return calendar_grid(days, codes, today)


def pupil_page(
    access: Access, pk: int, today: dt.date, timeline_kind: str = "", older_than: Cursor | None = None
) -> PupilPage:
    """Everything the pupil page shows, year to date: details, figures, calendar grid, mark history and timeline.

    The timeline shows `timeline_kind` entries ("" for all), the newest or those older than `older_than`.
    """
    pupil = pupil_for_page(access, pk)
    start, end = year_to_date(today)
    history = list(history_for_pupil(pupil)[:HISTORY_ROWS])
    # Who deleted a mark is known only from the change's context (the request's user), named in one query.
    names = users_named_in(e for e in history if e.pgh_label == "delete")
    for event in history:
        event.deleted_by = names.get(context_user_id(event), "") if event.pgh_label == "delete" else ""
    return PupilPage(
        pupil=pupil,
        start=start,
        end=end,
        counts=pupil_statistics(pupil, start, end),
        weeks=pupil_calendar(pupil, start, today),
        history=history,
        timeline=timeline_for(pupil, timeline_kind, older_than, pastoral=access.sees_pastoral_notes(pupil)),
    )


def pupil_timeline(access: Access, pk: int, kind: str = "", older_than: Cursor | None = None) -> tuple[Pupil, Timeline]:
    """The pupil and their timeline alone, for a new filter or page of it; 404 outside the user's scope."""
    pupil = get_for_trust_or_404(Pupil.objects.visible_to(access), access.trust, pk=pk)
    return pupil, timeline_for(pupil, kind, older_than, pastoral=access.sees_pastoral_notes(pupil))
