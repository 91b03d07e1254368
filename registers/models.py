"""Session marks: the register of record. Every insert, update and delete is kept by database triggers."""

from __future__ import annotations

import datetime as dt
from typing import Self

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q

from schools.models import Contact, Enrolment, Pupil, RegistrationGroup, School, Trust
from schools.tenancy import TrustQuerySet

from . import codes as C
from .statistics import SessionCounts

COUNT_FIELDS = ("possible", "present", "approved_activity", "authorised", "unauthorised", "late")


def count_annotations(prefix: str = "") -> dict[str, Count]:
    """COUNT(...) FILTER (WHERE code IN ...) for each statistic, using the sets in registers.codes."""
    field = f"{prefix}code"
    pk = f"{prefix}pk" if prefix else "pk"
    sets = {
        "possible": C.POSSIBLE,
        "present": C.PRESENT,
        "approved_activity": C.APPROVED_ACTIVITY,
        "authorised": C.AUTHORISED,
        "unauthorised": C.UNAUTHORISED,
        "late": C.LATE,
    }
    return {name: Count(pk, filter=Q(**{f"{field}__in": sorted(codes)})) for name, codes in sets.items()}


class MarkQuerySet(TrustQuerySet):
    def between(self, start: dt.date, end: dt.date) -> Self:
        return self.filter(date__range=(start, end))

    def at_school(self, school: School) -> Self:
        return self.filter(school=school)

    def while_enrolled(self) -> Self:
        """Only marks on days the pupil was on the school's roll: from admission, leavers up to their leaving date.

        This is the window of the DfE's "Monitor your school attendance" service, so the figures reconcile with it.
        """
        enrolled = Enrolment.objects.filter(
            pupil=OuterRef("pupil_id"), school=OuterRef("school_id"), starts__lte=OuterRef("date")
        ).filter(Q(ends__isnull=True) | Q(ends__gte=OuterRef("date")))
        return self.filter(Exists(enrolled))

    def session_counts(self) -> SessionCounts:
        """Totals over these marks, summed the DfE way (sessions, not means of percentages)."""
        return SessionCounts(**self.aggregate(**count_annotations()))

    def counts_by_pupil(self) -> models.QuerySet:
        """One row per pupil: `pupil` (id) and the six counts, as dicts."""
        return self.order_by().values("pupil").annotate(**count_annotations())


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude_auto=True)),
    pghistory.DeleteEvent(),
    model_name="MarkEvent",
)
class Mark(models.Model):
    """One pupil's code for one session. Corrections update the row; the triggers keep every version."""

    class Session(models.TextChoices):
        AM = "AM", "Morning"
        PM = "PM", "Afternoon"

    class Source(models.TextChoices):
        REGISTER = "register", "Register"
        OFFICE = "office", "Office"
        IMPORT = "import", "Import"
        API = "api", "API"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="marks")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    code = models.CharField(max_length=2, help_text="Statutory DfE code")
    local_code = models.CharField(max_length=6, blank=True, help_text="The school's sub-code, if one was used")
    minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField()
    # Why this version of the mark was recorded; required for a correction.
    reason = models.CharField(max_length=300, blank=True)

    objects = MarkQuerySet.as_manager()

    class Meta:
        ordering = ["date", "session"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "date", "session"], name="one_mark_per_pupil_session"),
            models.CheckConstraint(condition=Q(code__in=sorted(C.KNOWN)), name="mark_code_is_statutory"),
        ]
        indexes = [
            # School statistics and dashboards over a date range.
            models.Index(fields=["school", "date"], name="mark_school_date"),
            # Trust-wide reports by date.
            models.Index(fields=["trust", "date"], name="mark_trust_date"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.date} {self.session} {self.code}"

    @property
    def category(self) -> C.Category:
        return C.category_of(self.code)


class RegisterTaking(models.Model):
    """A registration group's register for one session was taken: by whom and when. Missing registers lack one."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    group = models.ForeignKey(RegistrationGroup, on_delete=models.CASCADE, related_name="takings")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Mark.Session.choices)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    taken_at = models.DateTimeField()

    objects = TrustQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "date", "session"], name="one_taking_per_register")]
        # The missing-registers list: a school's takings for one session.
        indexes = [models.Index(fields=["school", "date", "session"], name="taking_school_session")]


class AbsenceReport(models.Model):
    """A parent's report of absence; it proposes a code for the sessions it covers, which an officer confirms."""

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone call"
        VOICEMAIL = "voicemail", "Voicemail"
        TEXT = "text", "Text message"
        APP = "app", "App message"
        EMAIL = "email", "Email"
        IN_PERSON = "in_person", "In person"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an officer"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Not accepted"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="absence_reports")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)
    reported_by = models.CharField(max_length=200, help_text="Who reported it, as they gave their name")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    code = models.CharField(max_length=2, help_text="The statutory code the reason proposes")
    reason = models.CharField(max_length=500)
    first_day = models.DateField()
    first_session = models.CharField(max_length=2, choices=Mark.Session.choices, default=Mark.Session.AM)
    last_day = models.DateField()
    last_session = models.CharField(max_length=2, choices=Mark.Session.choices, default=Mark.Session.PM)
    expected_return = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="report_ends_after_start"),
            models.CheckConstraint(condition=Q(code__in=sorted(C.KNOWN)), name="report_code_is_statutory"),
        ]
        indexes = [models.Index(fields=["school", "status"], name="report_school_status")]


class LeaveRequest(models.Model):
    """A request for leave of absence in term time (regulation 11); the head decides."""

    class Kind(models.TextChoices):
        EXCEPTIONAL = "C", "Exceptional circumstances"
        PERFORMANCE = "C1", "Regulated performance or employment abroad"
        INTERVIEW = "J1", "Interview"
        EXAM = "S", "Study for a public examination"
        PART_TIME = "C2", "Temporary part-time timetable"
        HOLIDAY = "G", "Holiday"

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        GRANTED = "granted", "Granted"
        REFUSED = "refused", "Refused"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="leave_requests")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=2, choices=Kind.choices)
    reason = models.CharField(max_length=1000)
    first_day = models.DateField()
    last_day = models.DateField()
    requested_on = models.DateField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    # Refused leave that was taken all the same: its sessions are coded G and count for penalty notices.
    taken_when_refused = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-first_day"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="leave_ends_after_start"),
        ]


# --- Summaries for the dashboards (registers.summaries keeps them equal to the marks) --------------------------------


class PupilWeek(models.Model):
    """One pupil's sessions at one school in one school week (from its Monday), counted while on the school's roll.

    The dashboards read these instead of the marks, so a page costs the same in July as in September. The six counts
    are those of count_annotations; registers.summaries rewrites a pupil's weeks whenever their marks change.
    """

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE)
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="weeks")
    week = models.DateField(help_text="The Monday of the school week")
    academic_year = models.PositiveSmallIntegerField()
    possible = models.PositiveSmallIntegerField(default=0)
    present = models.PositiveSmallIntegerField(default=0)
    approved_activity = models.PositiveSmallIntegerField(default=0)
    authorised = models.PositiveSmallIntegerField(default=0)
    unauthorised = models.PositiveSmallIntegerField(default=0)
    late = models.PositiveSmallIntegerField(default=0)

    objects = TrustQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pupil", "school", "week"], name="one_summary_per_pupil_week")]
        indexes = [
            models.Index(fields=["school", "academic_year", "week"], name="pupilweek_school_year"),
            models.Index(fields=["trust", "academic_year"], name="pupilweek_trust_year"),
        ]


class DayCodeCount(models.Model):
    """How many sessions a school coded with each code on one day, per year group and session (AM/PM), counted while
    on roll: reasons for absence, the coding summary, and trends by day and weekday."""

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE)
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    date = models.DateField()
    academic_year = models.PositiveSmallIntegerField()
    year_group = models.CharField(max_length=4, help_text="The pupils' year group as it stands now")
    session = models.CharField(max_length=2, choices=Mark.Session.choices)
    code = models.CharField(max_length=2)
    sessions = models.PositiveIntegerField()

    objects = TrustQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "date", "year_group", "session", "code"], name="one_count_per_school_day_code"
            )
        ]
        indexes = [models.Index(fields=["school", "academic_year", "date"], name="daycode_school_year")]
