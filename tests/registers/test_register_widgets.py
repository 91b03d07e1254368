"""The register's form fields are written in Python for speed; they must write exactly what Django's templates do."""

import pytest
from django import forms

from registers.taking_forms import CodeSelect, NumberInput, TextInput, code_choices


@pytest.mark.parametrize("session", ["AM", "PM"])
@pytest.mark.parametrize("value", [None, "", "/", "N", "L", "I", '"><script>'])
def test_the_code_menu_writes_the_same_html_as_djangos_select(session, value):
    attrs = {"id": "id_row-1-code", "aria-label": "Code for Ann <Able>", "required": True, "disabled": False}
    ours = CodeSelect(choices=code_choices(session)).render("row-1-code", value, attrs=attrs)
    djangos = forms.Select(choices=code_choices(session)).render("row-1-code", value, attrs=attrs)
    assert ours == djangos


@pytest.mark.parametrize(
    ("ours", "djangos"),
    [
        (NumberInput(attrs={"inputmode": "numeric"}), forms.NumberInput(attrs={"inputmode": "numeric"})),
        (
            TextInput(attrs={"placeholder": "Note", "data-reason": ""}),
            forms.TextInput(attrs={"placeholder": "Note", "data-reason": ""}),
        ),
    ],
)
@pytest.mark.parametrize("value", [None, "", 12, 'late "bus" & <rain>'])
def test_the_inputs_write_the_same_html_as_djangos(ours, djangos, value):
    attrs = {"id": "id_row-1-x", "min": 0, "readonly": True}
    assert ours.render("row-1-x", value, attrs=attrs) == djangos.render("row-1-x", value, attrs=attrs)
