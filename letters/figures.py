"""The names and figures a letter is given (letters.templating.NAMES), for every pupil of a batch at once.

Figures are as on one day (`on`): the school's marks while the pupil was on its roll, from the start of the academic
year up to and including `on` (as the engine counts them, interventions.facts). They are read in a fixed number of
grouped queries whatever the number of pupils: one for all the session counts, and one or two each for the
calendar, meetings, notices to improve and leave requests. `FiguresBook.names` then words them for one letter: the
parent's name, and dates in the letter's language. The result is plain JSON, frozen on the Letter as sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils import timezone

from interventions.facts import half_term_of, recent_school_weeks
from interventions.models import Meeting, PenaltyNotice
from interventions.penalty import NoticeToImprove
from interventions.thresholds import band
from registers import codes as C
from registers.attendance import year_to_date
from registers.models import COUNT_FIELDS, LeaveRequest, Mark, count_annotations
from registers.statistics import SessionCounts
from schools.models import Pupil, School, SchoolDay

from . import national
from .defaults import BAND_WORDS, ENGLISH, format_date, phrases

PENALTY_WINDOW_WEEKS = 10  # National Framework for Penalty Notices: 10 sessions in 10 school weeks
DEFAULT_TARGET_WEEKS = 4  # Omega Charter and Waterton policy: targets for at least 4 school weeks
DEFAULT_IMPROVEMENT_WEEKS = 4  # a Notice to Improve's period when none is recorded (3 to 6 weeks)


def number(value: Decimal | int | float) -> int | float:
    """A figure as JSON keeps it and a letter prints it: 3 rather than 3.0, 3.5 as it is."""
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class MeetingFigures:
    planned_for: dt.date | None  # only a meeting still to come
    target_pct: Decimal | None
    target_weeks: int | None
    review_on: dt.date | None


@dataclass(frozen=True)
class LeaveFigures:
    first_day: dt.date
    last_day: dt.date
    school_days: int
    decision: str  # registers.models.LeaveRequest.Decision value
    reason: str


@dataclass(frozen=True)
class PupilFigures:
    pupil: Pupil
    year: SessionCounts
    week: SessionCounts
    unauthorised_10_weeks: int
    late_u_half_term: int
    leave: LeaveFigures | None = None
    improvement: NoticeToImprove | None = None


@dataclass
class FiguresBook:
    """Figures for the pupils of one school on one day; `names` words them for one letter."""

    school: School
    on: dt.date
    since: dt.date
    week_start: dt.date | None
    pupils: dict[int, PupilFigures]
    meetings_by_proposal: dict[int, MeetingFigures] = field(default_factory=dict)
    meetings_by_pupil: dict[int, MeetingFigures] = field(default_factory=dict)

    def names(self, pupil_id: int, *, parent_name: str, proposal_id: int | None = None, language: str = ENGLISH):
        """Every name of letters.templating.NAMES for one letter, as JSON values (dates worded in `language`)."""
        figures = self.pupils[pupil_id]
        pupil, year, week = figures.pupil, figures.year, figures.week
        meeting = self.meetings_by_proposal.get(proposal_id) or self.meetings_by_pupil.get(pupil_id)
        colour = band(year)
        band_name, band_meaning, band_range = BAND_WORDS[colour.value] if colour else ("", "", "")
        improvement = figures.improvement or NoticeToImprove(self.on, DEFAULT_IMPROVEMENT_WEEKS)
        leave = figures.leave

        def day(value: dt.date | None) -> str:
            return format_date(value, language)

        return {
            "pupil_forename": pupil.preferred_forename or pupil.legal_forename,
            "pupil_name": pupil.display_name,
            "parent_name": parent_name,
            "school_name": self.school.name,
            "headteacher": self.school.headteacher_name or phrases(language).headteacher,
            "date": day(timezone.localdate()),  # the day the letter is made, which may be after the figures' day
            "since": day(self.since),
            "figures_to": day(self.on),
            "attended_sessions": year.attended,
            "possible_sessions": year.possible,
            "absent_sessions": year.absent,
            "days_absent": number(year.days_absent),
            "attendance_pct": number(year.attendance_pct) if year.possible else 0,
            "authorised_sessions": year.authorised,
            "unauthorised_sessions": year.unauthorised,
            "late_sessions": year.late,
            "national_pct": number(national.attendance_pct(self.school.phase)),
            "national_days_absent": number(national.days_missed_at_national_rate(self.school.phase, year.possible)),
            "band": band_name,
            "band_meaning": band_meaning,
            "band_range": band_range,
            "week_start": day(self.week_start),
            "week_attended_sessions": week.attended,
            "week_possible_sessions": week.possible,
            "unauthorised_10_weeks": figures.unauthorised_10_weeks,
            "late_u_half_term": figures.late_u_half_term,
            "meeting_date": day(meeting.planned_for) if meeting else "",
            "target_pct": number(meeting.target_pct) if meeting and meeting.target_pct is not None else "",
            "target_weeks": (meeting.target_weeks if meeting else None) or DEFAULT_TARGET_WEEKS,
            "review_date": day(meeting.review_on) if meeting else "",
            "improvement_weeks": improvement.weeks,
            "improvement_ends": day(improvement.ends),
            "leave_first_day": day(leave.first_day) if leave else "",
            "leave_last_day": day(leave.last_day) if leave else "",
            "leave_days": leave.school_days if leave else 0,
            "leave_decision": leave.decision if leave else "",
            "leave_reason": leave.reason if leave else "",
        }


def _within(prefix: str, condition: Q) -> dict[str, Count]:
    """registers.models.count_annotations, each also limited by `condition`, named `<prefix><statistic>`."""
    return {f"{prefix}{name}": Count("pk", filter=condition & agg.filter) for name, agg in count_annotations().items()}


def _meeting(meeting: Meeting, on: dt.date) -> MeetingFigures:
    upcoming = meeting.status == Meeting.Status.PLANNED and meeting.planned_for and meeting.planned_for >= on
    return MeetingFigures(
        planned_for=meeting.planned_for if upcoming else None,
        target_pct=meeting.target_pct,
        target_weeks=meeting.target_weeks,
        review_on=meeting.review_on,
    )


def _school_days_between(school: School, first: dt.date, last: dt.date) -> set[dt.date]:
    days = SchoolDay.objects.for_trust(school.trust).filter(school=school).between(first, last)
    return set(days.values_list("date", flat=True))


def _leave_figures(school: School, pupil_ids: Collection[int], on: dt.date) -> dict[int, LeaveFigures]:
    """Each pupil's latest decided leave request (decided by the end of `on`), with its school days counted."""
    latest: dict[int, LeaveRequest] = {}
    decided = (
        LeaveRequest.objects.for_trust(school.trust)
        .filter(pupil__in=pupil_ids, school=school, decided_at__date__lte=on)
        .exclude(decision=LeaveRequest.Decision.PENDING)
        .order_by("pupil", "-decided_at", "-pk")
    )
    for leave in decided:
        latest.setdefault(leave.pupil_id, leave)
    if not latest:
        return {}
    days = _school_days_between(
        school, min(x.first_day for x in latest.values()), max(x.last_day for x in latest.values())
    )

    def school_days(leave: LeaveRequest) -> int:
        span = [leave.first_day + dt.timedelta(days=n) for n in range((leave.last_day - leave.first_day).days + 1)]
        # Without a calendar for those days, weekdays stand in for school days.
        return sum(d in days for d in span) if days else sum(d.weekday() < 5 for d in span)

    return {
        pupil: LeaveFigures(leave.first_day, leave.last_day, school_days(leave), leave.decision, leave.reason)
        for pupil, leave in latest.items()
    }


def _improvements(school: School, pupil_ids: Collection[int], on: dt.date) -> dict[int, NoticeToImprove]:
    """Each pupil's latest notice to improve issued by `on`, from the penalty-notice ledger."""
    notices = (
        PenaltyNotice.objects.for_trust(school.trust)
        .filter(pupil__in=pupil_ids, kind=PenaltyNotice.Kind.NOTICE_TO_IMPROVE, issued_on__lte=on)
        .exclude(status=PenaltyNotice.Status.WITHDRAWN)
        .order_by("pupil", "-issued_on", "-pk")
    )
    latest: dict[int, NoticeToImprove] = {}
    for notice in notices:
        if notice.pupil_id not in latest and notice.improvement_weeks:
            latest[notice.pupil_id] = NoticeToImprove(notice.issued_on, notice.improvement_weeks)
    return latest


def figures_book(
    school: School, on: dt.date, pupils: Iterable[Pupil], proposal_ids: Collection[int] = ()
) -> FiguresBook:
    """Figures for `pupils` (of the school's trust) as on `on`. Nine queries at most, whatever the number of pupils."""
    pupils = {p.pk: p for p in pupils}
    trust = school.trust
    year_start, _ = year_to_date(on)
    weeks = recent_school_weeks(school, on, PENALTY_WINDOW_WEEKS)
    half_term = half_term_of(school, on)

    annotations = _within("year_", Q(date__gte=year_start))
    starts = [year_start]
    if weeks:
        starts += [weeks[-1]]
        annotations |= _within("week_", Q(date__gte=weeks[0]))
        annotations["unauthorised_recent"] = Count(
            "pk", filter=Q(date__gte=weeks[-1], code__in=sorted(C.PENALTY_NOTICE))
        )
    if half_term is not None:
        starts.append(half_term.starts)
        annotations["u_half_term"] = Count("pk", filter=Q(date__gte=half_term.starts, code="U"))
    rows = {
        row["pupil"]: row
        for row in Mark.objects.for_trust(trust)
        .at_school(school)
        .between(min(starts), on)
        .filter(pupil__in=list(pupils))
        .while_enrolled()
        .order_by()
        .values("pupil")
        .annotate(**annotations)
    }
    leave = _leave_figures(school, list(pupils), on)
    improvements = _improvements(school, list(pupils), on)

    figures = {}
    for pk, pupil in pupils.items():
        row = rows.get(pk, {})
        figures[pk] = PupilFigures(
            pupil=pupil,
            year=SessionCounts(**{f: row.get(f"year_{f}", 0) for f in COUNT_FIELDS}),
            week=SessionCounts(**{f: row.get(f"week_{f}", 0) for f in COUNT_FIELDS}),
            unauthorised_10_weeks=row.get("unauthorised_recent", 0),
            late_u_half_term=row.get("u_half_term", 0),
            leave=leave.get(pk),
            improvement=improvements.get(pk),
        )

    first_day = (
        SchoolDay.objects.for_trust(trust)
        .filter(school=school, date__gte=year_start, date__lte=on)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    book = FiguresBook(
        school=school, on=on, since=first_day or year_start, week_start=weeks[0] if weeks else None, pupils=figures
    )
    meetings = (
        Meeting.objects.for_trust(trust)
        .filter(Q(pupil__in=list(pupils)) | Q(proposal__in=list(proposal_ids)))
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("pupil", F("planned_for").desc(nulls_last=True), "-pk")
    )
    for meeting in meetings:
        if meeting.proposal_id in proposal_ids:
            book.meetings_by_proposal.setdefault(meeting.proposal_id, _meeting(meeting, on))
        book.meetings_by_pupil.setdefault(meeting.pupil_id, _meeting(meeting, on))
    return book
