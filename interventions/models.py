"""Following up absence: contact attempts with families, and tasks for the attendance team."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from schools.models import Contact, Pupil, School, Trust
from schools.tenancy import TrustQuerySet


class ContactAttempt(models.Model):
    """A call, message or home visit about a pupil's absence, and what came of it."""

    class Method(models.TextChoices):
        CALL = "call", "Phone call"
        TEXT = "text", "Text message"
        APP = "app", "App message"
        EMAIL = "email", "Email"
        HOME_VISIT = "home_visit", "Home visit"

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", "No answer"
        MESSAGE_LEFT = "message_left", "Message left / sent"
        REASON_GIVEN = "reason_given", "Reason given"
        SEEN_SAFE = "seen_safe", "Seen safe and well"
        CONCERN = "concern", "Concern raised to the DSL"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="contact_attempts")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)
    absence_date = models.DateField(help_text="The day of absence this follows up")
    method = models.CharField(max_length=12, choices=Method.choices)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    code = models.CharField(max_length=2, blank=True, help_text="The code the reason set, if one was given")
    note = models.CharField(max_length=1000, blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    made_at = models.DateTimeField()

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-made_at"]
        # The triage screen: a school's attempts for one day.
        indexes = [models.Index(fields=["school", "absence_date"], name="attempt_school_day")]

    @property
    def reached_family(self) -> bool:
        return self.outcome in (self.Outcome.REASON_GIVEN, self.Outcome.SEEN_SAFE, self.Outcome.CONCERN)


class Task(models.Model):
    """A piece of follow-up work for the attendance team, with an assignee, a due time and an outcome."""

    class Kind(models.TextChoices):
        FIRST_DAY_CALL = "first_day_call", "First-day call"
        WELFARE_CALL = "welfare_call", "Welfare call"
        HOME_VISIT = "home_visit", "Home visit"
        CME_REFERRAL = "cme_referral", "Children Missing Education referral"
        SOCIAL_CARE_ALERT = "social_care_alert", "Alert to social care"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=300)
    why = models.CharField(max_length=500, blank=True, help_text="The rule or event that made the task")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=1000, blank=True)
    # What made it (e.g. "day3:2026-11-18"): the same rule on the same absence makes the task once.
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["pupil", "kind", "key"], name="one_task_per_pupil_kind_key")]
        # An officer's open tasks, soonest first.
        indexes = [models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_open")]
