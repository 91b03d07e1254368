"""Forms of the office pages: they turn what an officer types into plain values for registers.office."""

from __future__ import annotations

import datetime as dt

from django import forms

from . import codes as C
from .models import AbsenceReport, LeaveRequest
from .office import HOLIDAY_REFUSED, REPORT_CODES

SESSION_CHOICES = [("AM", "Morning (AM)"), ("PM", "Afternoon (PM)")]
# A report or a request longer than this is recorded in parts, so a mistyped year cannot fill a whole term.
LONGEST_SPAN = dt.timedelta(days=92)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _contact_choices(links) -> list[tuple[str, str]]:
    return [("", "Someone else (type their name)")] + [
        (str(link.contact_id), f"{link.contact.name} ({link.relationship})") for link in links
    ]


class PupilSearchForm(forms.Form):
    q = forms.CharField(label="Name or UPN", required=False, max_length=100)

    def text(self) -> str:
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


class LateArrivalForm(forms.Form):
    """An arrival today: the time (not later than now), the session it is for, and the reason given."""

    arrival = forms.TimeField(
        label="Arrival time",
        widget=forms.TimeInput(attrs={"type": "time", "autofocus": True}, format="%H:%M"),
        input_formats=["%H:%M"],
    )
    session = forms.ChoiceField(label="Register", choices=SESSION_CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason for lateness",
        max_length=200,
        help_text="As the parent or pupil gave it, e.g. “Doctor's appointment”, “Bus late”, or “No reason given”.",
    )

    def __init__(self, *args, now: dt.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["arrival"].initial = now.time().replace(second=0, microsecond=0)
        self.fields["session"].initial = "AM" if now.time() < dt.time(12) else "PM"

    def clean_arrival(self) -> dt.time:
        arrival = self.cleaned_data["arrival"]
        if arrival > self.now.time():
            raise forms.ValidationError(
                f"{arrival:%H:%M} is later than now ({self.now:%H:%M}): record an arrival once the pupil has arrived."
            )
        return arrival


class AbsenceReportForm(forms.Form):
    """A parent's report: who gave it and how, the reason as a code, and the sessions it covers."""

    contact = forms.ChoiceField(label="Who reported it", required=False, widget=forms.Select(attrs={"autofocus": True}))
    reported_by = forms.CharField(
        label="Their name", required=False, max_length=200, help_text="Only when they are not one of the contacts."
    )
    channel = forms.ChoiceField(label="How", choices=AbsenceReport.Channel.choices)
    code = forms.ChoiceField(
        label="Reason as a code",
        choices=[
            (
                "Authorised",
                [(c, f"{c}: {label}") for c, label in REPORT_CODES.items() if c in C.AUTHORISED],
            ),
            (
                "Not authorised",
                [(c, f"{c}: {label}") for c, label in REPORT_CODES.items() if c in C.UNAUTHORISED],
            ),
        ],
    )
    reason = forms.CharField(
        label="Reason in their words", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    first_day = forms.DateField(label="First day", widget=_date_input())
    first_session = forms.ChoiceField(label="From", choices=SESSION_CHOICES, initial="AM")
    last_day = forms.DateField(label="Last day", widget=_date_input())
    last_session = forms.ChoiceField(label="Until the end of", choices=SESSION_CHOICES, initial="PM")
    expected_return = forms.DateField(label="Expected back", required=False, widget=_date_input())

    def __init__(self, *args, contacts, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = _contact_choices(contacts)
        if contacts:
            self.fields["contact"].initial = str(contacts[0].contact_id)
        self.fields["first_day"].initial = today
        self.fields["last_day"].initial = today

    def clean_contact(self) -> int | None:
        value = self.cleaned_data["contact"]
        return int(value) if value else None

    def clean(self):
        data = super().clean()
        if data.get("contact") is None and not data.get("reported_by", "").strip():
            self.add_error("reported_by", "Choose one of the pupil's contacts, or type the name of who reported it.")
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if (first, data.get("first_session", "AM")) > (last, data.get("last_session", "PM")):
                self.add_error("last_day", "The last session is before the first one.")
            elif last - first > LONGEST_SPAN:
                self.add_error("last_day", "A report covers at most three months; record a longer absence in parts.")
            back = data.get("expected_return")
            if back and back < first:
                self.add_error("expected_return", "The expected return is before the first day of absence.")
        return data


class RejectReportForm(forms.Form):
    note = forms.CharField(
        label="Why it is not accepted",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The sessions keep their marks; N becomes O after the school's deadline if no other reason comes.",
    )


class LeaveRequestForm(forms.Form):
    """A parent's request for leave of absence (regulation 11), for the head to decide."""

    contact = forms.ChoiceField(label="Requested by", required=False)
    kind = forms.ChoiceField(
        label="Kind of leave", choices=LeaveRequest.Kind.choices, widget=forms.Select(attrs={"autofocus": True})
    )
    reason = forms.CharField(label="Reason given", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    first_day = forms.DateField(label="First day", widget=_date_input())
    last_day = forms.DateField(label="Last day", widget=_date_input())
    requested_on = forms.DateField(label="Requested on", widget=_date_input())

    def __init__(self, *args, contacts, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "Not recorded")] + _contact_choices(contacts)[1:]
        self.fields["requested_on"].initial = today

    def clean_contact(self) -> int | None:
        value = self.cleaned_data["contact"]
        return int(value) if value else None

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", "The last day is before the first day.")
            elif last - first > LONGEST_SPAN:
                self.add_error("last_day", "A request covers at most three months; record a longer one in parts.")
        return data


class LeaveDecisionForm(forms.Form):
    """The head's decision. A holiday cannot be granted: the form says why."""

    GRANT, REFUSE = "grant", "refuse"
    decision = forms.ChoiceField(
        label="Decision", choices=[(GRANT, "Grant"), (REFUSE, "Refuse")], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Note for the record", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def clean_decision(self) -> str:
        decision = self.cleaned_data["decision"]
        if decision == self.GRANT and self.kind == LeaveRequest.Kind.HOLIDAY:
            raise forms.ValidationError(HOLIDAY_REFUSED)
        return decision
