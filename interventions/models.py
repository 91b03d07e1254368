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
        CASE_ACTION = "case_action", "Case action"
        REFERRAL = "referral", "Referral"
        PENALTY_CONSIDERATION = "penalty_consideration", "Penalty notice consideration"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=30, choices=Kind.choices)
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


# --- The graduated response -------------------------------------------------------------------------------------------


class PolicyVersion(models.Model):
    """One version of a trust's graduated-response policy, or of one school's adaptation of it.

    Versions are never edited: a change is saved as a new version. A version with no `adopted_at` is a draft, which
    a trust lead can simulate before adopting it. The version in force is the latest adopted one for the school, else
    for the trust (interventions.policies).
    """

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="policy_versions")
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, help_text="Set for a school's adaptation"
    )
    number = models.PositiveIntegerField()
    document = models.JSONField(help_text="The policy as data (interventions.policy_data)")
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["trust", "school", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "school", "number"], name="one_policy_version_number", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.document.get('name', 'Policy')}, version {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.adopted_at is None


class Case(models.Model):
    """A pupil's place on the graduated response: the stage they are in and the rules that held at the last run."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT, help_text="The school that last evaluated the pupil")
    pupil = models.OneToOneField(Pupil, on_delete=models.PROTECT, related_name="case")
    stage = models.PositiveSmallIntegerField(default=0)
    stage_since = models.DateField(null=True, blank=True)
    active = models.JSONField(default=list, blank=True, help_text="Rules outside the ladder that held last time")
    last_evaluated = models.DateField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)

    objects = TrustQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Case of pupil {self.pupil_id}: stage {self.stage}"


class EvaluationRun(models.Model):
    """One school's evaluation on one day. Written in the same transaction as its proposals, so a run that exists
    finished, and a run that was cut off left nothing behind."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="evaluation_runs")
    on = models.DateField()
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT)
    pupils = models.PositiveIntegerField(default=0)
    proposals = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-on"]
        constraints = [models.UniqueConstraint(fields=["school", "on"], name="one_evaluation_per_school_day")]


class Proposal(models.Model):
    """What the engine proposes for a pupil on a day, with the evidence; a leader approves or dismisses it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Awaiting review"
        APPROVED = "approved", "Approved"
        DISMISSED = "dismissed", "Dismissed"

    class Category(models.TextChoices):
        """The review screen's groups, by the proposal's most serious action."""

        PENALTY = "penalty", "Penalty notice considerations"
        REFERRAL = "referral", "Referrals"
        MEETING = "meeting", "Meetings"
        LETTER = "letter", "Letters"
        TASK = "task", "Tasks"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="proposals")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="proposals")
    run = models.ForeignKey(EvaluationRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT)
    evaluated_on = models.DateField()
    rule = models.CharField(max_length=60)
    rule_kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200, blank=True)
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    category = models.CharField(max_length=10, choices=Category.choices)
    letter = models.CharField(max_length=30, blank=True, help_text="The first letter template it sends")
    actions = models.JSONField(help_text="[{kind, code, detail, attendees, target_weeks}]")
    evidence = models.JSONField(help_text="The figures that triggered it, the rule's parameters and the policy")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dismissal_reason = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-evaluated_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "rule", "evaluated_on"], name="one_proposal_per_rule_day"),
            models.CheckConstraint(
                condition=~models.Q(status="dismissed") | ~models.Q(dismissal_reason=""),
                name="dismissal_has_reason",
            ),
        ]
        # The review screen: a school's proposals awaiting a decision, by group.
        indexes = [models.Index(fields=["school", "status", "category"], name="proposal_review")]


class Meeting(models.Model):
    """A meeting the graduated response calls for, with the targets it sets and the day they are reviewed."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    class Outcome(models.TextChoices):
        MET = "met", "Targets met"
        MISSED = "missed", "Targets missed"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meetings")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="meetings")
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=40, help_text="interventions.thresholds.MeetingKind")
    title = models.CharField(max_length=200)
    attendees = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    planned_for = models.DateField(null=True, blank=True)
    held_on = models.DateField(null=True, blank=True)
    target_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    target_weeks = models.PositiveSmallIntegerField(null=True, blank=True, help_text="At least 4 school weeks")
    review_on = models.DateField(null=True, blank=True, help_text="When the targets are reviewed")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    notes = models.TextField(blank=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_for", "-pk"]
        indexes = [models.Index(fields=["school", "review_on"], name="meeting_review_day")]


class PenaltyNotice(models.Model):
    """The ledger of penalty notices and notices to improve, per parent per child (interventions.penalty)."""

    class Kind(models.TextChoices):
        NOTICE_TO_IMPROVE = "notice_to_improve", "Notice to improve"
        PENALTY_NOTICE = "penalty_notice", "Penalty notice"

    class Reason(models.TextChoices):
        IRREGULAR_ATTENDANCE = "irregular_attendance", "Irregular attendance"
        TERM_TIME_HOLIDAY = "term_time_holiday", "Term-time holiday"

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued, awaiting payment"
        PAID_21 = "paid_21", "Paid within 21 days"
        PAID_28 = "paid_28", "Paid within 28 days"
        UNPAID = "unpaid", "Unpaid"
        PROSECUTED = "prosecuted", "Unpaid and prosecuted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT)
    school = models.ForeignKey(School, on_delete=models.PROTECT)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="penalty_notices")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="penalty_notices")
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    issued_on = models.DateField()
    amount = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    improvement_weeks = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Notice to improve: 3-6")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ISSUED)
    note = models.CharField(max_length=1000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = TrustQuerySet.as_manager()

    class Meta:
        ordering = ["issued_on", "pk"]
        indexes = [models.Index(fields=["contact", "pupil", "issued_on"], name="notice_parent_child")]
