import pytest
from hypothesis import given
from hypothesis import strategies as st

from interventions.policy_data import policy_from_data, policy_to_data
from interventions.thresholds import PRESETS, PolicyError


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_survives_the_round_trip_through_json_data(preset):
    policy = PRESETS[preset]()
    assert policy_from_data(policy_to_data(policy)) == policy


def test_the_version_number_comes_from_the_stored_version_not_the_document():
    assert policy_from_data(policy_to_data(PRESETS["omega"]()), version=7).version == 7


def test_a_percentage_threshold_over_100_is_refused_with_the_rule_named():
    data = policy_to_data(PRESETS["omega"]())
    data["rules"][2]["threshold"] = "101"
    with pytest.raises(PolicyError, match="omega.lon2: the threshold 101 is out of range"):
        policy_from_data(data)


def test_an_unknown_rule_kind_is_refused():
    data = policy_to_data(PRESETS["odst"]())
    data["rules"][0]["kind"] = "attendance_sideways"
    with pytest.raises(PolicyError, match="rule kind 'attendance_sideways'"):
        policy_from_data(data)


def test_a_policy_without_rules_is_refused():
    with pytest.raises(PolicyError, match="at least one rule"):
        policy_from_data({"name": "Empty", "rules": []})


def test_a_threshold_that_is_not_a_number_is_refused():
    data = policy_to_data(PRESETS["waterton"]())
    data["rules"][0]["threshold"] = "five"
    with pytest.raises(PolicyError, match="not a number"):
        policy_from_data(data)


@given(st.decimals(min_value=0, max_value=100, places=1))
def test_any_percentage_threshold_in_range_round_trips(threshold):
    data = policy_to_data(PRESETS["omega"]())
    data["rules"][2]["threshold"] = str(threshold)
    assert policy_from_data(data).rules[2].threshold == threshold
