"""Trusts, schools, their calendars, pupils, contacts, enrolments, groups and staff roles."""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from .tenancy import TrustQuerySet


class Trust(models.Model):
    class Policy(models.TextChoices):
        OMEGA = "omega", "Omega MAT Attendance Charter"
        WATERTON = "waterton", "Waterton Academy Trust policy"
        ODST = "odst", "ODST central policy"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    policy = models.CharField(max_length=20, choices=Policy.choices, default=Policy.OMEGA)
    # Leavers' personal data is anonymised this many whole years after their last enrolment ends (privacy.retention).
    # Never fewer than six: every register entry must be kept at least six years (SI 2024/208, Explanatory Note).
    leaver_retention_years = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(6)],
        help_text="Whole years after a pupil leaves before their personal data is anonymised (at least 6)",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(leaver_retention_years__gte=6), name="retention_at_least_six_years")
        ]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Phase(models.TextChoices):
        INFANT = "infant", "Infant"
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        SPECIAL = "special", "Special"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="schools")
    urn = models.CharField("URN", max_length=8, unique=True)
    name = models.CharField(max_length=200)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    day_starts = models.TimeField(default=dt.time(8, 45))
    # Omega Charter: registers close no later than 30 minutes after the start of roll call.
    registers_close = models.TimeField(default=dt.time(9, 15))
    # After registers close an arrival is L until this time, U after it (Waterton: L 8:45-8:55, U after 8:55).
    late_until = models.TimeField(default=dt.time(9, 15))
    # The afternoon register follows the same rule with its own times.
    pm_day_starts = models.TimeField(default=dt.time(13, 15))
    pm_registers_close = models.TimeField(default=dt.time(13, 30))
    pm_late_until = models.TimeField(default=dt.time(13, 30))
    # School days a parent has to give a reason before N becomes O (the school leaflet: 5 school days).
    reason_deadline_days = models.PositiveSmallIntegerField(default=5)
    address = models.TextField(blank=True)
    headteacher_name = models.CharField(max_length=200, blank=True)
    # The school's own sub-codes, each mapped to a statutory code (as MIS sub-codes are), e.g. {"I01": "I"}.
    local_codes = models.JSONField(default=dict, blank=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from registers import codes

        try:
            codes.check_local_codes(self.local_codes)
        except codes.UnknownCode as e:
            raise ValidationError({"local_codes": str(e)}) from e

    def resolve_code(self, value: str) -> tuple[str, str]:
        """(statutory code, the school's sub-code or "") for a code typed or imported at this school."""
        from registers import codes

        return codes.resolve(value, self.local_codes)


class HalfTerm(models.Model):
    """A half-term of a school's calendar; its weekdays are school days unless an INSET day or closure says not."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="half_terms")
    name = models.CharField(max_length=60)
    starts = models.DateField()
    ends = models.DateField()

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["starts"]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gte=models.F("starts")), name="half_term_ends_after_start"),
            models.UniqueConstraint(fields=["school", "starts"], name="one_half_term_per_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts:%d %b %Y} - {self.ends:%d %b %Y})"


class Closure(models.Model):
    """Days inside a half-term that are not school days: INSET days and planned closures."""

    class Kind(models.TextChoices):
        INSET = "inset", "INSET day"
        CLOSURE = "closure", "Closure"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="closures")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    starts = models.DateField()
    ends = models.DateField()

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["starts"]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gte=models.F("starts")), name="closure_ends_after_start"),
        ]


class SchoolDayQuerySet(TrustQuerySet):
    def between(self, start: dt.date, end: dt.date) -> Self:
        return self.filter(date__range=(start, end))


class SchoolDay(models.Model):
    """One school day, derived from the calendar (schools.calendar) so that SQL can count school days and weeks."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="school_days")
    date = models.DateField()
    # Monday of the week: a school week is any week with at least one school session.
    week = models.DateField()
    academic_year = models.PositiveSmallIntegerField(help_text="The year the academic year starts in, e.g. 2026")

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["school", "date"], name="one_school_day_per_date")]


class RegistrationGroup(models.Model):
    """A form or class that takes a register together; its tutors are the teachers who see it."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=40)
    year_group = models.CharField(max_length=4, blank=True)
    tutors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="tutor_groups")

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["year_group", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="unique_group_name_per_school")]

    def __str__(self) -> str:
        return self.name


class PupilQuerySet(TrustQuerySet):
    def on_roll(self, school: School, day: dt.date) -> Self:
        """Pupils enrolled at `school` on `day` (admitted on or before it, not left before it)."""
        # One filter() call, so that all three conditions hold for the same enrolment.
        return self.filter(
            Q(enrolments__school=school, enrolments__starts__lte=day)
            & (Q(enrolments__ends__isnull=True) | Q(enrolments__ends__gte=day))
        ).distinct()

    def visible_to(self, access: object) -> Self:
        """Pupils the user may see; `access` is a schools.access.Access."""
        return access.scope_pupils(self)  # type: ignore[attr-defined]


class Pupil(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other / not given"

    class SEN(models.TextChoices):
        NONE = "N", "No SEN"
        SUPPORT = "K", "SEN support"
        EHCP = "E", "EHC plan"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="pupils")
    upn = models.CharField("UPN", max_length=13)
    legal_surname = models.CharField(max_length=100)
    legal_forename = models.CharField(max_length=100)
    preferred_surname = models.CharField(max_length=100, blank=True)
    preferred_forename = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    year_group = models.CharField(max_length=4, help_text="N1, N2, R, 1-14")
    group = models.ForeignKey(
        RegistrationGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="pupils"
    )
    fsm = models.BooleanField("FSM", default=False)
    pupil_premium = models.BooleanField(default=False)
    sen = models.CharField("SEN", max_length=1, choices=SEN.choices, default=SEN.NONE)
    eal = models.BooleanField("EAL", default=False)
    looked_after = models.BooleanField(default=False)
    social_worker = models.BooleanField(default=False)
    child_protection_plan = models.BooleanField(default=False)
    watch_list = models.BooleanField(default=False)
    watch_list_reason = models.CharField(max_length=300, blank=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["legal_surname", "legal_forename"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "upn"], name="upn_unique_in_trust"),
            models.CheckConstraint(
                condition=Q(watch_list=False) | ~Q(watch_list_reason=""), name="watch_list_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.preferred_forename or self.legal_forename} {self.preferred_surname or self.legal_surname}"

    @property
    def safeguarding_flags(self) -> list[str]:
        flags = [("looked after", self.looked_after), ("social worker", self.social_worker)]
        flags.append(("child protection plan", self.child_protection_plan))
        return [name for name, on in flags if on]


class Enrolment(models.Model):
    """A pupil on a school's admission register from `starts` to `ends` (inclusive; open while on roll)."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    starts = models.DateField()
    ends = models.DateField(null=True, blank=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["starts"]
        indexes = [models.Index(fields=["school", "pupil"], name="enrolment_school_pupil")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__isnull=True) | Q(ends__gte=models.F("starts")), name="enrolment_ends_after_start"
            ),
            models.UniqueConstraint(fields=["pupil", "school", "starts"], name="one_enrolment_per_start"),
        ]


class Contact(models.Model):
    """A parent or carer; siblings share one record, so letters and notices are consistent per parent."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    phone_alt = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    language = models.CharField(max_length=40, default="English")

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PupilContact(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="pupil_links")
    relationship = models.CharField(max_length=40)
    parental_responsibility = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(default=1)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["priority"]
        constraints = [models.UniqueConstraint(fields=["pupil", "contact"], name="one_link_per_pupil_contact")]


class Membership(models.Model):
    """Every staff user belongs to exactly one trust."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="members")

    objects = TrustQuerySet.as_manager()


class Role(models.Model):
    class Kind(models.TextChoices):
        TRUST_LEAD = "trust_lead", "Trust lead"
        HEADTEACHER = "headteacher", "Headteacher"
        ATTENDANCE_LEAD = "attendance_lead", "Designated attendance lead"
        ATTENDANCE_OFFICER = "attendance_officer", "Attendance officer"
        TEACHER = "teacher", "Teacher"
        DSL = "dsl", "Designated safeguarding lead"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Empty for trust-wide roles (trust lead); every other role is held at one school.
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="roles")

    objects = TrustQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "school"], name="one_role_per_school"),
            models.CheckConstraint(
                condition=Q(kind="trust_lead", school__isnull=True) | (~Q(kind="trust_lead") & Q(school__isnull=False)),
                name="trust_lead_is_trust_wide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}" + (f", {self.school}" if self.school_id else "")


class ImportJob(models.Model):
    """One upload in the browser: parsed and checked first (preview), then applied in a task with progress."""

    class Kind(models.TextChoices):
        CALENDAR = "calendar", "Calendar"
        PUPILS = "pupils", "Pupils"
        CONTACTS = "contacts", "Contacts"
        MARKS = "marks", "Marks"
        CTF = "ctf", "Common Transfer File"

    class Status(models.TextChoices):
        INVALID = "invalid", "Has errors"
        READY = "ready", "Ready to import"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    status = models.CharField(max_length=10, choices=Status.choices)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]


class Notification(models.Model):
    """A message to one member of staff: a concern raised to the DSL, a missing-register reminder."""

    class Kind(models.TextChoices):
        CONCERN = "concern", "Concern raised"
        REGISTER_REMINDER = "register_reminder", "Register reminder"
        SOCIAL_CARE_ALERT = "social_care_alert", "Social care alert"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.CASCADE)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    pupil = models.ForeignKey(Pupil, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        # A user's unread notifications, newest first (the header badge and the notifications page).
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_recipient_unread")]
