"""Parents' letters: each trust's templates, the batches a leader's approval makes, and one record per letter sent."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models

from interventions.models import Proposal
from schools.models import Contact, Pupil, School, Trust
from schools.tenancy import TrustQuerySet


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude_auto=True)),
    pghistory.DeleteEvent(),
    model_name="LetterTemplateEvent",
)
class LetterTemplate(models.Model):
    """A trust's wording of one letter in one language. A trust with no row for a letter uses the default wording
    (letters.defaults); the first edit saves the trust's own copy, and every later edit is kept in the history."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="letter_templates")
    code = models.CharField(max_length=30, help_text="e.g. LON3, WAT_STAGE1, WEEKLY")
    language = models.CharField(max_length=40, default="English", help_text="As in Contact.language")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="The letter's wording in the template language (letters.templating)")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["code", "language"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "code", "language"], name="one_template_per_code_language")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.language})"


class LetterBatch(models.Model):
    """The letters one approval (or one print run) makes: rendered in the background, merged into one PDF to print."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        DONE = "done", "Ready to print"
        FAILED = "failed", "Failed"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="letter_batches")
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    rendered = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False, help_text="Every letter, merged, to print")

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]


class Letter(models.Model):
    """One letter to one contact with parental responsibility, with its stored copy as sent."""

    class Delivery(models.TextChoices):
        POST = "post", "Post"
        HAND = "hand", "Hand delivered"
        EMAIL = "email", "Email"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    batch = models.ForeignKey(LetterBatch, on_delete=models.PROTECT, related_name="letters")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="letters")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="letters")
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="letters")
    code = models.CharField(max_length=30)
    language = models.CharField(max_length=40, default="English")
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.POST)
    addressee = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    figures = models.JSONField(default=dict, help_text="The names and figures the template was given")
    pdf = models.BinaryField(null=True, blank=True, editable=False, help_text="The stored copy, as sent")
    rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            # A letter the engine proposed goes to each parent once, however often the approval is submitted.
            models.UniqueConstraint(
                fields=["proposal", "contact", "code"],
                condition=models.Q(proposal__isnull=False),
                name="one_letter_per_proposal_contact",
            )
        ]
        indexes = [models.Index(fields=["pupil", "created_at"], name="letter_pupil_timeline")]
