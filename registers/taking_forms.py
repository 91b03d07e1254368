"""Forms for taking registers: one pupil's row, the whole register, the day and session, and reminders."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from schools.models import RegistrationGroup, School

from . import codes as C
from .lateness import PRESENT_CODE
from .models import Mark
from .taking import Entry, Register, Row, codes_by_category

# Longer than any session: a pupil later than this was not late, they were absent (or arrived the next session).
MAX_MINUTES_LATE = 240


def code_choices(session: str) -> list:
    """The code menu: "Not marked", then every code the session may record, grouped by DfE category."""
    groups = codes_by_category(session)
    return [
        ("", "Not marked"),
        *((cat.label, [(c.code, f"{c.code} – {c.meaning}") for c in codes]) for cat, codes in groups),
    ]


def _attrs(attrs: dict) -> SafeString:
    """HTML attributes in their order, as django/forms/widgets/attrs.html writes them (True: the name alone)."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class CodeSelect(forms.Select):
    """The code menu, written in Python: the same HTML as Django's select template, but a register page shows a menu
    of about 40 codes on each of its 30 rows, and one template include per option was most of the page's time."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group, options, _ in widget["optgroups"]:
            if group:
                html.append(format_html('\n  <optgroup label="{}">', group))
            for option in options:
                html.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        option["value"],
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))  # every part above went through format_html


class PythonRendered:
    """For an input widget: django/forms/widgets/input.html, written in Python (a register page has 60 of them)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        given = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], given, _attrs(widget["attrs"])
        )


class NumberInput(PythonRendered, forms.NumberInput):
    pass


class TextInput(PythonRendered, forms.TextInput):
    pass


class CodeField(forms.ChoiceField):
    """A code from the session's menu. "/" and "\\" both mean present: the session's own present mark is recorded."""

    widget = CodeSelect

    def __init__(self, *, session: str, **kwargs):
        super().__init__(choices=code_choices(session), **kwargs)
        self.present = PRESENT_CODE[session]

    def to_python(self, value) -> str:
        value = super().to_python(value).strip().upper()
        return self.present if value in PRESENT_CODE.values() else value


class RowForm(forms.Form):
    """One pupil's line of the morning register: code, minutes late (for L or U), a note, a reason for a correction.

    `require_code`: the row is sent on its own (each change while taking the register), so it must carry a code.
    """

    code = CodeField(session="AM", required=False)
    minutes_late = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_MINUTES_LATE,
        widget=NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        required=False, max_length=300, widget=TextInput(attrs={"placeholder": "Note", "autocomplete": "off"})
    )
    reason = forms.CharField(
        required=False, max_length=300, widget=TextInput(attrs={"autocomplete": "off", "data-reason": ""})
    )

    def __init__(self, *args, row: Row, require_code: bool = False, **kwargs):
        kwargs.setdefault("prefix", f"p{row.pupil.pk}")
        if row.mark and "initial" not in kwargs:
            kwargs["initial"] = {"code": row.mark.code, "minutes_late": row.mark.minutes_late, "note": row.mark.note}
        super().__init__(*args, **kwargs)
        self.row, self.require_code = row, require_code
        name = row.pupil.display_name
        self.fields["code"].label = f"Mark for {name}"
        self.fields["minutes_late"].label = f"Minutes late, {name}"
        self.fields["note"].label = f"Note, {name}"
        self.fields["reason"].label = f"Reason for the change, {name}"

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.require_code and not code:
            raise forms.ValidationError("Choose a mark first.")
        return code

    def clean(self) -> dict:
        data = super().clean()
        if data.get("code") not in C.LATE:
            data["minutes_late"] = None
        return data

    def entry(self) -> Entry:
        data = self.cleaned_data
        return Entry(self.row.pupil.pk, data["code"], data["minutes_late"], data["note"].strip(), data["reason"])


class AfternoonRowForm(RowForm):
    code = CodeField(session="PM", required=False)


def row_form(data=None, *, row: Row, session: str, require_code: bool = False) -> RowForm:
    """The row's form for the session (the code menus differ only in their present mark, built once per session)."""
    form_class = AfternoonRowForm if session == Mark.Session.PM else RowForm
    return form_class(data, row=row, require_code=require_code)


class RegisterForm(forms.Form):
    """The whole register as one form post (the page without JavaScript): a row per pupil the user may change."""

    reason = forms.CharField(
        label="Reason for changing recorded marks",
        required=False,
        max_length=300,
        help_text="Needed to change a mark after the register has closed, or one the office set.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "aria-describedby": "reason-help"}),
    )

    def __init__(self, data=None, *, register: Register):
        super().__init__(data)
        self.register = register
        self.rows = {
            row.pupil.pk: row_form(data, row=row, session=register.session) for row in register.rows if not row.locked
        }

    def is_valid(self) -> bool:
        rows_valid = [form.is_valid() for form in self.rows.values()]
        return super().is_valid() and all(rows_valid)

    @property
    def row_errors(self) -> int:
        return sum(bool(form.errors) for form in self.rows.values())

    def entries(self) -> list[Entry]:
        return [form.entry() for form in self.rows.values()]

    def add_row_errors(self, errors: dict[int, str]) -> None:
        for pupil_id, message in errors.items():
            self.rows[pupil_id].add_error(None, message)


class RegisterDayForm(forms.Form):
    """Which day and session a list of registers is for (read from the query string; bad values are ignored)."""

    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    session = forms.ChoiceField(required=False, choices=Mark.Session.choices)

    def value(self, name: str, default):
        """The field's value when it was given and valid, else `default`."""
        if not self.is_bound:
            return default
        self.is_valid()
        return self.cleaned_data.get(name) or default


class MissingRegistersForm(RegisterDayForm):
    # Checked against the user's office schools by registers.taking.office_school (404 for any other school).
    school = forms.IntegerField(required=False, min_value=1)


class ReminderForm(forms.Form):
    """Remind the tutors of one missing register (`group`), or of every missing register of the session."""

    date = forms.DateField()
    session = forms.ChoiceField(choices=Mark.Session.choices)
    group = forms.ModelChoiceField(queryset=RegistrationGroup.objects.none(), required=False)

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = RegistrationGroup.objects.for_trust(school.trust_id).filter(school=school)

    def group_ids(self) -> list[int] | None:
        """The one group to remind, or None for all of the session's missing registers."""
        group = self.cleaned_data["group"]
        return [group.pk] if group else None
