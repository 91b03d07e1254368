"""The policy editor's parameter form: per-field validation, the document it makes, and the changes it reports."""

from decimal import Decimal

import pytest

from interventions.policy_data import policy_from_data, policy_to_data
from interventions.policy_forms import ParametersForm, apply_parameters, parameter_changes, threshold_text
from interventions.thresholds import adapt, omega, waterton

OMEGA = policy_to_data(omega())
LON2, LON6, TEN_IN_TEN, SECTION_19 = 2, 6, 7, 8  # the rules' places in the Omega preset


def submitted(document=OMEGA, *, trust_wide=True, **changes):
    """What the browser sends for an unchanged form, with `changes` over it (a value of None leaves a field out)."""
    form = ParametersForm(document=document, trust_wide=trust_wide)
    data = {name: form[name].initial for name in form.fields if name != "locked"}
    if trust_wide and form["locked"].initial:
        data["locked"] = "on"
    data["note"] = "Lower the first rung after the autumn review"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def form(data, document=OMEGA, trust_wide=True):
    return ParametersForm(data, document=document, trust_wide=trust_wide)


def test_a_changed_threshold_makes_a_document_with_it_and_everything_else_as_it_was():
    f = form(submitted(**{f"r{LON2}_threshold": "96.5"}))

    assert f.is_valid(), f.errors
    document = f.document()
    assert document["rules"][LON2]["threshold"] == "96.5"
    assert document["rules"][LON2]["actions"] == OMEGA["rules"][LON2]["actions"]
    assert [r for i, r in enumerate(document["rules"]) if i != LON2] == [
        r for i, r in enumerate(OMEGA["rules"]) if i != LON2
    ]
    assert policy_from_data(document).rule("omega.lon2").threshold == Decimal("96.5")


def test_titles_weeks_the_minimum_and_the_lock_are_parameters_of_the_trusts_form():
    f = form(
        submitted(
            **{
                f"r{TEN_IN_TEN}_weeks": "8",
                f"r{LON2}_title": "Under 97%",
                "min_possible_sessions": "30",
                "locked": "on",
            }
        )
    )

    assert f.is_valid(), f.errors
    policy = policy_from_data(f.document())
    assert (policy.rule("omega.penalty_10_in_10").weeks, policy.rule("omega.lon2").title) == (8, "Under 97%")
    assert (policy.min_possible_sessions, policy.locked) == (30, True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (f"r{LON2}_threshold", "101", "A percentage is between 0 and 100."),
        (f"r{LON2}_threshold", "-1", "A percentage is between 0 and 100."),
        (f"r{LON2}_threshold", "ninety", "Enter a number, e.g. 96 or 96.5."),
        (f"r{LON2}_threshold", "96.125", "Use at most 2 decimal places."),
        (f"r{TEN_IN_TEN}_threshold", "9.5", "Enter a whole number, e.g. 10."),
        (f"r{TEN_IN_TEN}_threshold", "0", "A count is at least 1."),
        (f"r{TEN_IN_TEN}_weeks", "0", "A window is at least 1 school week."),
        (f"r{TEN_IN_TEN}_weeks", "2.5", "Enter a whole number, e.g. 10."),
        ("min_possible_sessions", "-2", "Ensure this value is greater than or equal to 0."),
        ("min_possible_sessions", "twenty", "Enter a whole number, e.g. 10."),
        ("note", "", "This field is required."),
        (f"r{LON2}_title", "", "This field is required."),
    ],
)
def test_a_bad_value_is_an_error_on_its_own_field(field, value, message):
    f = form(submitted(**{field: value}))

    assert not f.is_valid()
    assert f.errors[field] == [message]


def test_a_form_with_nothing_changed_is_refused():
    f = form(submitted())

    assert not f.is_valid()
    assert f.non_field_errors() == ["Nothing has changed: change a parameter before saving a new version."]


def test_a_threshold_written_differently_is_not_a_change():
    assert not form(submitted(**{f"r{LON2}_threshold": "97.00"})).is_valid()


def test_a_review_rule_has_no_threshold_and_only_windowed_rules_have_weeks():
    f = ParametersForm(document=OMEGA, trust_wide=True)

    assert f"r{LON6}_threshold" not in f.fields
    assert {name for name in f.fields if name.endswith("_weeks")} == {f"r{TEN_IN_TEN}_weeks"}
    row = f.rule_rows()[LON6]
    assert (row.rule.code, row.threshold, row.weeks, row.title.name) == ("omega.lon6", None, None, f"r{LON6}_title")


def test_a_schools_form_changes_neither_titles_nor_the_lock():
    f = ParametersForm(document=OMEGA, trust_wide=False)

    assert "locked" not in f.fields
    assert not any(name.endswith("_title") for name in f.fields)

    bound = form(submitted(trust_wide=False, min_possible_sessions="30"), trust_wide=False)
    assert bound.is_valid(), bound.errors
    assert policy_from_data(bound.document()) == policy_from_data({**OMEGA, "min_possible_sessions": 30})


def test_what_a_school_may_change_matches_thresholds_adapt():
    f = form(submitted(trust_wide=False, **{f"r{SECTION_19}_threshold": "10"}), trust_wide=False)

    assert f.is_valid(), f.errors
    assert policy_from_data(f.document()) == adapt(omega(), thresholds={"omega.section_19": 10})


def test_applying_parameters_leaves_the_original_document_alone():
    from interventions.policy_forms import RuleParameters

    before = policy_to_data(omega())
    apply_parameters(before, min_possible_sessions=5, rules={"omega.lon2": RuleParameters(threshold=90)})

    assert before == OMEGA


def test_the_changes_between_versions_read_as_sentences():
    changed = adapt(
        waterton(), thresholds={"waterton.stage1": Decimal("88.5")}, weeks={"waterton.persistent_lateness": 8}
    )

    assert parameter_changes(waterton(), changed) == [
        "Persistent lateness: window 10 → 8 school weeks",
        "Below 90%: Stage 1: threshold 90% → 88.5%",
    ]
    assert parameter_changes(waterton(), adapt(waterton(), min_possible_sessions=30)) == [
        "Minimum possible sessions: 20 → 30"
    ]
    assert parameter_changes(waterton(), waterton()) == []


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("omega.lon2", "97%"),
        ("omega.penalty_10_in_10", "10 sessions"),
        ("omega.section_19", "15 school days"),
        ("omega.lon6", ""),
    ],
)
def test_thresholds_are_shown_with_their_unit(code, text):
    assert threshold_text(omega().rule(code)) == text
