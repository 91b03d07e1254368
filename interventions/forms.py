"""Forms of the triage and task pages: they turn a click into domain values, with errors an officer can act on."""

from __future__ import annotations

from django import forms

from .absence import REASON_CODES
from .models import ContactAttempt

REASON_LABELS = {
    "I": "Illness",
    "M": "Medical or dental appointment",
    "R": "Religious observance",
    "G": "Holiday not agreed",
    "O": "Other reason, not authorised",
}


class ContactAttemptForm(forms.Form):
    """One contact attempt from a triage row. The outcome is the button pressed; a code button means "reason given".

    `contacts` are the pupil's PupilContact links (priority first), already loaded: no query per row.
    """

    method = forms.ChoiceField(label="How", choices=ContactAttempt.Method.choices, initial=ContactAttempt.Method.CALL)
    contact = forms.TypedChoiceField(label="Who", coerce=int, required=False, empty_value=None)
    outcome = forms.ChoiceField(label="Outcome", choices=ContactAttempt.Outcome.choices, required=False)
    code = forms.ChoiceField(
        label="Code for the reason",
        choices=[(c, f"{REASON_LABELS[c]} ({c})") for c in REASON_CODES],
        required=False,
        widget=forms.RadioSelect,
    )
    rest_of_day = forms.BooleanField(label="Also for the rest of today", required=False)
    note = forms.CharField(label="Note", max_length=500, required=False)

    def __init__(self, *args, pupil_id: int, contacts=(), **kwargs):
        kwargs.setdefault("auto_id", f"p{pupil_id}_%s")
        super().__init__(*args, **kwargs)
        self.pupil_id = pupil_id
        self.contacts = {link.contact_id: link.contact for link in contacts}
        self.fields["contact"].choices = [
            (link.contact_id, f"{link.contact.name} ({link.relationship})") for link in contacts
        ] + [("", "Someone else")]
        if contacts:
            self.fields["contact"].initial = contacts[0].contact_id

    def clean(self):
        data = super().clean()
        outcome, code = data.get("outcome"), data.get("code")
        if code and not outcome:
            data["outcome"] = outcome = ContactAttempt.Outcome.REASON_GIVEN
        if not outcome:
            self.add_error("outcome", "Choose what happened.")
        elif outcome == ContactAttempt.Outcome.REASON_GIVEN and not code:
            self.add_error("code", "Choose the code for the reason the family gave.")
        elif outcome == ContactAttempt.Outcome.CONCERN and not data.get("note", "").strip():
            self.add_error("note", "Say what the concern is: the DSL reads this note.")
        if outcome != ContactAttempt.Outcome.REASON_GIVEN:
            data["code"] = ""
        return data

    def attempt(self) -> dict:
        """The keyword arguments for interventions.day1.record_contact_attempt."""
        data = self.cleaned_data
        return {
            "method": data["method"],
            "outcome": data["outcome"],
            "contact": self.contacts.get(data.get("contact")),
            "note": data.get("note", ""),
            "code": data.get("code", ""),
            "rest_of_day": data.get("rest_of_day", False),
        }


class CompleteTaskForm(forms.Form):
    outcome = forms.CharField(
        label="Outcome",
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "What happened, e.g. spoke to mum: ill, back Thursday"}),
        error_messages={"required": "Write the outcome: what was done and what came of it."},
    )

    def __init__(self, *args, task_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"t{task_id}_%s")
        super().__init__(*args, **kwargs)

    def clean_outcome(self) -> str:
        outcome = self.cleaned_data["outcome"].strip()
        if not outcome:
            raise forms.ValidationError("Write the outcome: what was done and what came of it.")
        return outcome


class ReassignTaskForm(forms.Form):
    """`staff` is the school's office staff, already loaded (interventions.tasks_service.assignable_staff)."""

    assignee = forms.TypedChoiceField(label="Assign to", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, task_id: int, staff=(), **kwargs):
        kwargs.setdefault("auto_id", f"t{task_id}_%s")
        super().__init__(*args, **kwargs)
        self.staff = {user.pk: user for user in staff}
        self.fields["assignee"].choices = [("", "Nobody yet")] + [
            (user.pk, user.get_full_name() or user.get_username()) for user in staff
        ]

    def chosen(self):
        return self.staff.get(self.cleaned_data.get("assignee"))
