"""Who saw or took pupil data (the access log), and each retention run with the pupils it anonymised."""

from __future__ import annotations

import datetime as dt
from typing import Self

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from schools.models import Enrolment, Pupil, School, Trust
from schools.tenancy import TrustQuerySet


class AccessLogQuerySet(TrustQuerySet):
    def visible_to(self, access) -> Self:
        """Rows the user may read: a trust lead the whole trust; a headteacher the rows of their schools and of
        pupils ever enrolled at them; anyone else nothing. `access` is a schools.access.Access."""
        rows = self.for_trust(access.trust)
        if access.is_trust_lead:
            return rows
        schools = access.leave_decision_school_ids
        if not schools:
            return rows.none()
        their_pupils = Enrolment.objects.for_trust(access.trust).filter(school_id__in=schools).values("pupil_id")
        return rows.filter(Q(school_id__in=schools) | Q(pupil_id__in=their_pupils))

    def about_pupil(self, pupil_id: int) -> Self:
        return self.filter(pupil_id=pupil_id)

    def by_user(self, user_id: int) -> Self:
        return self.filter(user_id=user_id)

    def between(self, start: dt.date | None, end: dt.date | None) -> Self:
        """Rows from the start of `start` to the end of `end` (either may be None: open), local dates."""
        rows = self
        if start:
            rows = rows.filter(at__date__gte=start)
        if end:
            rows = rows.filter(at__date__lte=end)
        return rows


@pgtrigger.register(
    # Append-only in the database itself: no code path, admin or shell session can edit or remove a row.
    pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
)
class AccessLogEntry(models.Model):
    """One request that showed or exported pupil data: who, when, which route, about which school and pupil."""

    class Kind(models.TextChoices):
        VIEW = "view", "Viewed"
        EXPORT = "export", "Exported (CSV or Excel)"
        PDF = "pdf", "Letter PDF"
        API = "api", "API read"
        SUBJECT_ACCESS = "subject_access", "Subject-access export"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    # PROTECT throughout: the log outlives nothing it names, so a staff account is deactivated, never deleted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    route = models.CharField(max_length=100, help_text="The URL name, e.g. schools:pupil")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="access_log")
    detail = models.CharField(max_length=300, blank=True, help_text="Filters of an export, rows, a batch's letters")
    path = models.CharField(max_length=500)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        indexes = [
            # The log page: a trust's rows, newest first.
            models.Index(fields=["trust", "-at"], name="accesslog_trust_at"),
            # One pupil's log (the pupil page's link, the subject-access export).
            models.Index(fields=["pupil", "-at"], name="accesslog_pupil_at"),
            # A headteacher's view: their schools' rows.
            models.Index(fields=["school", "-at"], name="accesslog_school_at"),
            # Filtered by user.
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.route}"


class RetentionRun(models.Model):
    """One application of a trust's retention period: by the nightly task or by `manage.py apply_retention`."""

    class Source(models.TextChoices):
        NIGHTLY = "nightly", "Nightly task"
        COMMAND = "command", "Command"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="retention_runs")
    on = models.DateField(help_text="The day the period was measured back from")
    years = models.PositiveSmallIntegerField(help_text="The trust's period at the time")
    source = models.CharField(max_length=10, choices=Source.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    pupils = models.PositiveIntegerField(default=0, help_text="Pupils anonymised")
    contacts_deleted = models.PositiveIntegerField(default=0)
    contacts_scrubbed = models.PositiveIntegerField(default=0, help_text="Kept as empty records: letters name them")
    letters_cleared = models.PositiveIntegerField(default=0, help_text="Letters whose PDF and address were removed")
    skipped = models.PositiveIntegerField(default=0, help_text="Due pupils held back by register entries under 6 years")

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]


class Anonymisation(models.Model):
    """A pupil whose personal data a retention run removed. One per pupil: a second run passes them by."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    pupil = models.OneToOneField(Pupil, on_delete=models.PROTECT, related_name="anonymisation")
    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="anonymisations")
    left_on = models.DateField(help_text="The end of the pupil's last enrolment")
    anonymised_at = models.DateTimeField()
    counts = models.JSONField(default=dict, help_text="What was removed or blanked, table by table")

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-anonymised_at", "-pk"]
