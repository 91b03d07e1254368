"""Day-1 risk order, runs of absence and what they call for."""

import pytest

from interventions.triage import Follow, RiskFacts, Tier, assess, at_risk, consecutive_days_absent, follow_ups
from registers.statistics import SessionCounts


def _counts(absent: int, possible: int = 100) -> SessionCounts:
    return SessionCounts(possible=possible, present=possible - absent, authorised=absent)


def test_the_watch_list_comes_first_and_says_why():
    risk = assess(RiskFacts(watch_list_reason="Sibling CP plan", safeguarding=("social worker",), counts=_counts(60)))
    assert risk.tier is Tier.WATCH_LIST
    assert risk.reasons == (
        "Watch list: Sibling CP plan",
        "Safeguarding: social worker",
        "Severely absent: 40.0% attendance this year",
    )


def test_safeguarding_ranks_above_absence():
    assert assess(RiskFacts(safeguarding=("looked after",), counts=_counts(60))).tier is Tier.SAFEGUARDING


@pytest.mark.parametrize(
    ("absent", "tier"),
    [
        (50, Tier.SEVERE),
        (49, Tier.PERSISTENT),
        (10, Tier.PERSISTENT),
        (9, Tier.AT_RISK),
        (8, Tier.AT_RISK),
        (7, Tier.OTHER),
    ],
)
def test_absence_so_far_sets_the_tier(absent, tier):
    assert assess(RiskFacts(counts=_counts(absent))).tier is tier


def test_a_pupil_with_no_sessions_yet_is_not_at_risk():
    assert not at_risk(SessionCounts())
    assert assess(RiskFacts()).tier is Tier.OTHER


def test_tiers_sort_in_triage_order():
    assert sorted([Tier.OTHER, Tier.PERSISTENT, Tier.WATCH_LIST, Tier.SEVERE]) == [
        Tier.WATCH_LIST,
        Tier.SEVERE,
        Tier.PERSISTENT,
        Tier.OTHER,
    ]


@pytest.mark.parametrize(
    ("days", "run"),
    [([], 0), ([True], 1), ([True, False, True, True], 2), ([True, True, True], 3), ([True, False], 0)],
)
def test_a_run_counts_school_days_absent_up_to_the_latest(days, run):
    assert consecutive_days_absent(days) == run


@pytest.mark.parametrize(
    ("run", "justified", "expected"),
    [
        (1, False, []),
        (2, False, []),
        (3, False, [Follow.WELFARE_CALL, Follow.HOME_VISIT]),
        (3, True, [Follow.WELFARE_CALL]),
        (5, False, [Follow.WELFARE_CALL, Follow.HOME_VISIT]),
    ],
)
def test_omega_calls_and_visits_from_day_three_unless_fully_justified(run, justified, expected):
    assert follow_ups("omega", run, justified, days_without_contact=0) == expected


@pytest.mark.parametrize(("run", "visit"), [(1, False), (2, True), (3, False), (4, True), (5, False)])
def test_waterton_visits_on_day_two_and_day_four(run, visit):
    assert (Follow.HOME_VISIT in follow_ups("waterton", run, False, days_without_contact=run)) is visit


def test_waterton_refers_to_cme_after_twenty_days_without_contact():
    assert Follow.CME_REFERRAL in follow_ups("waterton", 20, False, days_without_contact=20)
    assert Follow.CME_REFERRAL not in follow_ups("waterton", 19, False, days_without_contact=19)
