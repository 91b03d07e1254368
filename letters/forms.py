"""Forms of the letters pages: a letter's wording, the pupil to preview it on, and a one-off batch of letters."""

from __future__ import annotations

import re

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from schools.models import Pupil, School

from .defaults import CATALOGUE, GROUPS
from .models import Letter
from .templating import TemplateProblem, check

# A batch bigger than this is almost certainly the wrong choice of pupils (the largest schools have about 2,000).
MAX_PUPILS = 3_000
YEAR_GROUPS = ["N1", "N2", "R", *(str(n) for n in range(1, 15))]


def code_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The letters grouped as the templates page groups them, for a <select> with <optgroup>s."""
    return [
        (group, [(code, f"{code} – {kind.name}") for code, kind in CATALOGUE.items() if kind.group == group])
        for group in GROUPS
    ]


class WordingForm(forms.Form):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"class": "wording__title"}))
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 22, "class": "wording__body", "spellcheck": "true"}),
        help_text="Plain text. A blank line starts a new paragraph.",
    )

    def _checked(self, name: str) -> str:
        value = self.cleaned_data[name]
        try:
            check(value)
        except TemplateProblem as e:
            raise forms.ValidationError(str(e)) from None
        return value

    def clean_title(self) -> str:
        return self._checked("title")

    def clean_body(self) -> str:
        return self._checked("body")


def find_pupils(pupils: QuerySet, text: str) -> QuerySet:
    """Pupils whose UPN is `text`, or whose names contain every word of it (legal or preferred, any case)."""
    text = text.strip()
    if not text:
        return pupils.none()
    by_upn = pupils.filter(upn__iexact=text)
    if by_upn.exists():
        return by_upn
    for word in text.split():
        pupils = pupils.filter(
            Q(legal_forename__icontains=word)
            | Q(legal_surname__icontains=word)
            | Q(preferred_forename__icontains=word)
            | Q(preferred_surname__icontains=word)
        )
    return pupils


class PreviewForm(WordingForm):
    """The wording as typed, and the pupil to try it on (by UPN or name)."""

    pupil = forms.CharField(label="Preview on a pupil", max_length=100, help_text="Their UPN, or their name")

    def __init__(self, *args, pupils: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupils = pupils

    def clean_pupil(self) -> Pupil:
        text = self.cleaned_data["pupil"]
        found = list(find_pupils(self.pupils, text).order_by("legal_surname", "legal_forename", "pk")[:11])
        if not found:
            raise forms.ValidationError(f"No pupil of your trust has the UPN or name “{text}”.")
        if len(found) > 1:
            names = "; ".join(f"{p.display_name} ({p.upn})" for p in found[:10])
            more = " and more" if len(found) > 10 else ""
            raise forms.ValidationError(f"{len(found)} pupils match{more}: {names}{more and '…'}. Type the UPN.")
        return found[0]


class NewBatchForm(forms.Form):
    """A one-off batch: one letter to the parents of chosen pupils, a year group or the whole school."""

    PUPILS, YEAR, SCHOOL = "pupils", "year", "school"

    school = forms.ModelChoiceField(queryset=School.objects.none(), empty_label=None)
    code = forms.ChoiceField(label="Letter")
    who = forms.ChoiceField(
        label="Send to the parents of",
        widget=forms.RadioSelect,
        choices=[(PUPILS, "Chosen pupils"), (YEAR, "A year group"), (SCHOOL, "Every pupil on roll")],
        initial=PUPILS,
    )
    upns = forms.CharField(
        label="Pupils' UPNs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line, or separated by commas or spaces",
    )
    year = forms.ChoiceField(
        label="Year group",
        required=False,
        choices=[("", "Choose a year group"), *((y, f"Year {y}") for y in YEAR_GROUPS)],
    )
    delivery = forms.ChoiceField(choices=Letter.Delivery.choices, initial=Letter.Delivery.POST)
    title = forms.CharField(
        label="Name of the batch",
        max_length=200,
        required=False,
        help_text="Shown in the list of batches; left empty, the letter's name and today's date",
    )

    def __init__(self, *args, schools: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["code"].choices = code_choices()
        if schools.count() == 1:
            self.fields["school"].initial = schools.first()
            self.fields["school"].widget = forms.HiddenInput()

    def clean(self) -> dict:
        data = super().clean()
        school, who = data.get("school"), data.get("who")
        if school is None or who is None:
            return data
        today = timezone.localdate()
        on_roll = Pupil.objects.for_trust(school.trust).on_roll(school, today)
        if who == self.PUPILS:
            upns = [u.upper() for u in re.split(r"[\s,;]+", data.get("upns", "")) if u]
            if not upns:
                self.add_error("upns", "Give at least one UPN.")
                return data
            pupils = list(on_roll.filter(upn__in=upns))
            missing = sorted(set(upns) - {p.upn.upper() for p in pupils})
            if missing:
                self.add_error("upns", f"Not on roll at {school.name} today: {', '.join(missing)}.")
                return data
        elif who == self.YEAR:
            if not data.get("year"):
                self.add_error("year", "Choose a year group.")
                return data
            pupils = list(on_roll.filter(year_group=data["year"]))
            if not pupils:
                self.add_error("year", f"No pupils in Year {data['year']} are on roll at {school.name} today.")
                return data
        else:
            pupils = list(on_roll)
            if not pupils:
                self.add_error("who", f"No pupils are on roll at {school.name} today.")
                return data
        if len(pupils) > MAX_PUPILS:
            self.add_error("who", f"That is {len(pupils):,} pupils: choose at most {MAX_PUPILS:,} at a time.")
            return data
        data["pupils"] = sorted(pupils, key=lambda p: (p.year_group, p.legal_surname, p.legal_forename, p.pk))
        if not data.get("title"):
            data["title"] = f"{data['code']} – {CATALOGUE[data['code']].name}, {today:%-d %b %Y}"
        return data
