"""The policy editor's forms: a policy's parameters (per rule: threshold, window, title; policy-wide: minimum possible
sessions, locked) turned into a new policy document, and the day a draft is tried on.

Only parameters change here. The rules themselves, their order and their actions are kept as they are, so a
trust's edit and a school's adaptation both describe the same graduated response with different numbers.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils import timezone

from .policy_data import policy_from_data
from .thresholds import Kind, Policy, Rule

SESSION_COUNTS = {Kind.UNAUTHORISED_IN_WEEKS, Kind.U_IN_HALF_TERM, Kind.PERSISTENT_LATENESS}


def unit(rule: Rule) -> str:
    """What the rule's threshold counts: "%", "sessions" or "school days"; "" for a review, which has none."""
    if rule.kind.is_percentage:
        return "%"
    if rule.kind.is_review:
        return ""
    return "sessions" if rule.kind in SESSION_COUNTS else "school days"


def number_text(value: Decimal | int) -> str:
    """A threshold as people write it: 97, 96.5 (never 97.00 or 1E+2)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def threshold_text(rule: Rule) -> str:
    """e.g. "95%", "10 sessions", "15 school days"; "" for a review rule."""
    if rule.kind.is_review:
        return ""
    number, what = number_text(rule.threshold), unit(rule)
    return f"{number}%" if what == "%" else f"{number} {what}"


def edits_threshold(rule: Rule) -> bool:
    return not rule.kind.is_review


def edits_weeks(rule: Rule) -> bool:
    return rule.weeks is not None


@dataclass(frozen=True)
class RuleParameters:
    title: str | None = None  # None leaves it as it is
    threshold: Decimal | int | None = None
    weeks: int | None = None


def apply_parameters(
    document: Mapping[str, object],
    *,
    min_possible_sessions: int,
    rules: Mapping[str, RuleParameters],
    locked: bool | None = None,
) -> dict[str, object]:
    """A copy of the policy document with new parameters; rules not named, and every action, stay as they were."""
    new = copy.deepcopy(dict(document))
    new["min_possible_sessions"] = min_possible_sessions
    if locked is not None:
        new["locked"] = locked
    for rule in new["rules"]:  # type: ignore[union-attr]
        params = rules.get(rule["code"])
        if params is None:
            continue
        if params.title is not None:
            rule["title"] = params.title
        if params.threshold is not None:
            rule["threshold"] = number_text(params.threshold)
        if params.weeks is not None:
            rule["weeks"] = params.weeks
    return new


def parameter_changes(before: Policy, after: Policy) -> list[str]:
    """What differs between two versions of a policy's parameters, one line each, in the policy's order.

    e.g. ["Minimum possible sessions: 20 → 30", "Below 97%: threshold 97% → 96%"]. Rules are matched by code.
    """
    lines = []
    if before.locked != after.locked:
        lines.append("Now locked: schools may not adapt it" if after.locked else "Unlocked: schools may adapt it")
    if before.min_possible_sessions != after.min_possible_sessions:
        lines.append(f"Minimum possible sessions: {before.min_possible_sessions} → {after.min_possible_sessions}")
    old = {r.code: r for r in before.rules}
    for rule in after.rules:
        was = old.get(rule.code)
        if was is None:
            lines.append(f"New rule: {rule.title or rule.code}")
            continue
        name = was.title or was.code
        if was.title != rule.title:
            lines.append(f"{name}: renamed “{rule.title}”")
        if Decimal(was.threshold) != Decimal(rule.threshold):
            lines.append(f"{name}: threshold {threshold_text(was)} → {threshold_text(rule)}")
        if was.weeks != rule.weeks:
            lines.append(f"{name}: window {was.weeks} → {rule.weeks} school weeks")
    kept = {r.code for r in after.rules}
    lines.extend(f"Rule removed: {r.title or r.code}" for r in before.rules if r.code not in kept)
    return lines


PERCENT_ERRORS = {
    "min_value": "A percentage is between 0 and 100.",
    "max_value": "A percentage is between 0 and 100.",
    "invalid": "Enter a number, e.g. 96 or 96.5.",
    "max_decimal_places": "Use at most 2 decimal places.",
    "max_digits": "A percentage is between 0 and 100.",
    "max_whole_digits": "A percentage is between 0 and 100.",
    "required": "Enter a percentage.",
}
WHOLE_NUMBER_ERRORS = {"invalid": "Enter a whole number, e.g. 10.", "required": "Enter a whole number."}


@dataclass(frozen=True)
class RuleFields:
    """One rule's row of the form: the rule and its bound fields (None where the rule has no such parameter)."""

    rule: Rule
    title: forms.BoundField | None
    threshold: forms.BoundField | None
    weeks: forms.BoundField | None


class ParametersForm(forms.Form):
    """The parameters of the policy `document`: a trust lead's edit (`trust_wide`: titles and the lock too) or a
    school's adaptation (thresholds, windows and the minimum possible sessions, as thresholds.adapt allows).

    `document()` is the new policy document; a form whose parameters are all unchanged is not valid, so a version is
    only ever saved for a change.
    """

    min_possible_sessions = forms.IntegerField(
        label="Minimum possible sessions",
        min_value=0,
        max_value=400,
        error_messages=WHOLE_NUMBER_ERRORS,
        help_text="Percentage rules on the year to date apply only once a pupil has this many possible sessions "
        "(two a school day).",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5}),
    )
    note = forms.CharField(
        label="What changed and why",
        max_length=500,
        help_text="Kept with the version, so others can see why the policy changed.",
        widget=forms.TextInput(attrs={"size": 70}),
    )

    def __init__(self, data=None, *, document: Mapping[str, object], trust_wide: bool, **kwargs):
        self.base_document = document
        self.base = policy_from_data(document)
        self.trust_wide = trust_wide
        initial = {"min_possible_sessions": self.base.min_possible_sessions}
        if trust_wide:
            initial["locked"] = self.base.locked
        super().__init__(data, initial=initial, **kwargs)
        if trust_wide:
            self.fields["locked"] = forms.BooleanField(
                label="Locked: schools may not adapt it (set centrally by the trust)", required=False
            )
        for i, rule in enumerate(self.base.rules):
            name = rule.title or rule.code
            if trust_wide:
                self.fields[f"r{i}_title"] = forms.CharField(
                    label=f"Title of “{name}”",
                    max_length=200,
                    initial=rule.title,
                    widget=forms.TextInput(attrs={"size": 28}),
                )
            if edits_threshold(rule):
                self.fields[f"r{i}_threshold"] = self._threshold_field(rule, name)
            if edits_weeks(rule):
                self.fields[f"r{i}_weeks"] = forms.IntegerField(
                    label=f"School weeks in the window of “{name}”",
                    min_value=1,
                    max_value=52,
                    initial=rule.weeks,
                    error_messages={**WHOLE_NUMBER_ERRORS, "min_value": "A window is at least 1 school week."},
                    widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
                )

    @staticmethod
    def _threshold_field(rule: Rule, name: str) -> forms.Field:
        if rule.kind.is_percentage:
            return forms.DecimalField(
                label=f"Threshold of “{name}” (%)",
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=number_text(rule.threshold),
                error_messages=PERCENT_ERRORS,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
            )
        # A count of 0 would hold for every pupil every night.
        return forms.IntegerField(
            label=f"Threshold of “{name}” ({unit(rule)})",
            min_value=1,
            max_value=400,
            initial=int(rule.threshold),
            error_messages={**WHOLE_NUMBER_ERRORS, "min_value": "A count is at least 1."},
            widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
        )

    def rule_rows(self) -> list[RuleFields]:
        def bound(name: str) -> forms.BoundField | None:
            return self[name] if name in self.fields else None

        return [
            RuleFields(rule, bound(f"r{i}_title"), bound(f"r{i}_threshold"), bound(f"r{i}_weeks"))
            for i, rule in enumerate(self.base.rules)
        ]

    def _parameters(self) -> dict[str, RuleParameters]:
        data = self.cleaned_data
        return {
            rule.code: RuleParameters(
                title=data.get(f"r{i}_title"), threshold=data.get(f"r{i}_threshold"), weeks=data.get(f"r{i}_weeks")
            )
            for i, rule in enumerate(self.base.rules)
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if policy_from_data(self.document()) == policy_from_data(self.base_document):
            raise forms.ValidationError("Nothing has changed: change a parameter before saving a new version.")
        return data

    def document(self) -> dict[str, object]:
        return apply_parameters(
            self.base_document,
            min_possible_sessions=self.cleaned_data["min_possible_sessions"],
            rules=self._parameters(),
            locked=self.cleaned_data.get("locked") if self.trust_wide else None,
        )


class SimulationForm(forms.Form):
    """The day whose run a draft is tried on (today unless another is chosen)."""

    on = forms.DateField(
        label="Run the evaluation as on",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date, e.g. 2026-11-25.", "required": "Enter a date."},
    )

    def __init__(self, data=None, **kwargs):
        data = data if data and data.get("on") else {"on": timezone.localdate().isoformat()}
        super().__init__(data, **kwargs)
