"""The graduated-response policies as data, and what they propose for one pupil."""

import dataclasses
from decimal import Decimal

import pytest

from interventions.thresholds import (
    ActionKind,
    Band,
    Cadence,
    Kind,
    Policy,
    PolicyError,
    PolicyLocked,
    PupilFacts,
    ReferralKind,
    Review,
    Rule,
    adapt,
    band,
    evaluate,
    letter,
    odst,
    omega,
    waterton,
    windows_needed,
)
from registers.statistics import SessionCounts

WINDOWS = {10: 0}


def _year(attended: int, possible: int = 1000) -> SessionCounts:
    return SessionCounts(possible=possible, present=attended, authorised=possible - attended)


def _facts(attended: int = 1000, possible: int = 1000, **kw) -> PupilFacts:
    kw.setdefault("unauthorised_in_weeks", WINDOWS)
    kw.setdefault("u_in_weeks", WINDOWS)
    return PupilFacts(year=_year(attended, possible), **kw)


def _rules(evaluation) -> list[str]:
    return [p.rule for p in evaluation.proposals]


# --- Omega: every rung and its boundary -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "stage", "letter_code"),
    [
        (1000, 0, None),
        (970, 0, None),  # exactly 97.0% is not below 97%
        (969, 1, "LON2"),  # 96.9%
        (951, 1, "LON2"),
        (950, 1, "LON2"),  # exactly 95% is not below 95%
        (949, 2, "LON3"),
        (920, 2, "LON3"),
        (919, 3, "LON4"),
        (900, 3, "LON4"),
        (899, 4, "LON5"),
        (400, 4, "LON5"),
    ],
)
def test_omega_proposes_the_rung_for_the_year_to_date_attendance(attended, stage, letter_code):
    result = evaluate(omega(), _facts(attended))
    assert result.stage == stage
    assert [p.letter for p in result.proposals] == ([letter_code] if letter_code else [])


def test_a_rate_that_rounds_to_97_is_still_below_97():
    # 96.96% shows as 97.0% but is below the threshold
    result = evaluate(omega(), _facts(2424, 2500))
    assert result.stage == 1
    assert result.proposals[0].evidence["attendance_pct"] == "97.0"


def test_omega_lon3_brings_the_attendance_improvement_meeting_and_its_follow_ups():
    (proposal,) = evaluate(omega(), _facts(940)).proposals
    kinds = [(a.kind, a.code) for a in proposal.actions]
    assert kinds == [
        (ActionKind.LETTER, "LON3"),
        (ActionKind.MEETING, "attendance_improvement"),
        (ActionKind.TASK, "listening_summary"),
        (ActionKind.LETTER, "MEDICAL_EVIDENCE"),
        (ActionKind.TASK, "aip_by_post"),
    ]
    assert proposal.actions[1].target_weeks == 4


def test_omega_lon4_brings_a_meeting_with_the_head_and_a_penalty_warning():
    (proposal,) = evaluate(omega(), _facts(910)).proposals
    assert "headteacher or designated senior leader" in proposal.actions[1].attendees
    assert [a.code for a in proposal.actions if a.kind is ActionKind.LETTER] == ["LON4", "PENALTY_WARNING"]


def test_omega_lon5_refers_to_la_attendance_support_and_considers_a_penalty():
    (proposal,) = evaluate(omega(), _facts(880)).proposals
    kinds = {a.kind: a.code for a in proposal.actions}
    assert kinds[ActionKind.REFERRAL] == ReferralKind.LA_ATTENDANCE_SUPPORT
    assert ActionKind.PENALTY_NOTICE in kinds


def test_only_the_most_serious_stage_is_proposed_when_several_are_crossed():
    result = evaluate(omega(), _facts(850))
    assert _rules(result) == ["omega.lon5"]
    assert result.stage == 4


def test_a_stage_is_not_proposed_again_while_the_pupil_stays_in_it():
    first = evaluate(omega(), _facts(940))
    again = evaluate(omega(), _facts(935, stage=first.stage))
    assert again.proposals == ()
    assert again.stage == 2


def test_a_stage_is_proposed_again_after_the_pupil_recovers_and_falls_again():
    fell = evaluate(omega(), _facts(940))
    recovered = evaluate(omega(), _facts(955, stage=fell.stage))
    assert recovered.proposals == () and recovered.stage == 1
    fell_again = evaluate(omega(), _facts(945, stage=recovered.stage))
    assert _rules(fell_again) == ["omega.lon3"]
    assert fell_again.stage == 2


def test_full_recovery_leaves_the_ladder():
    assert evaluate(omega(), _facts(990, stage=4)).stage == 0


def test_a_deeper_fall_from_a_stage_proposes_the_deeper_stage_only():
    result = evaluate(omega(), _facts(880, stage=2))
    assert _rules(result) == ["omega.lon5"]


@pytest.mark.parametrize(("possible", "stage"), [(19, 0), (20, 1)])
def test_percentage_rules_wait_for_the_minimum_possible_sessions(possible, stage):
    # one absent session out of `possible`: below 97% either way
    assert evaluate(omega(), _facts(possible - 1, possible)).stage == stage


def test_before_the_minimum_possible_sessions_the_current_stage_stands():
    assert evaluate(omega(), _facts(2, 4, stage=3)).stage == 3


def test_a_school_with_no_possible_sessions_yet_proposes_nothing():
    result = evaluate(omega(), _facts(0, 0))
    assert (result.proposals, result.stage) == ((), 0)


def test_evidence_names_the_figures_the_rule_and_the_policy_version():
    (proposal,) = evaluate(omega(), _facts(949)).proposals
    assert proposal.evidence == {
        "attended": 949,
        "possible": 1000,
        "absent": 51,
        "unauthorised": 0,
        "attendance_pct": "94.9",
        "rule": "omega.lon3",
        "kind": "attendance_below",
        "threshold": "95",
        "window": "year_to_date",
        "policy": "Omega graduated response",
        "version": 1,
    }
    assert (proposal.policy, proposal.version, proposal.stage) == ("Omega graduated response", 1, 2)


# --- Acknowledgements, outside the ladder -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "due", "rules"),
    [
        (10, {Cadence.DAILY, Cadence.WEEKLY}, ["omega.weekly_100"]),
        (9, {Cadence.DAILY, Cadence.WEEKLY}, []),
        (10, {Cadence.DAILY}, []),  # not the end of a week
    ],
)
def test_a_full_week_is_acknowledged_at_the_end_of_the_week(attended, due, rules):
    facts = dataclasses.replace(_facts(), week=_year(attended, 10))
    assert [r for r in _rules(evaluate(omega(), facts, due)) if "weekly" in r] == rules


@pytest.mark.parametrize(("attended", "sent"), [(970, True), (969, False)])
def test_lon1_goes_at_the_end_of_a_half_term_to_pupils_at_97_percent_and_above(attended, sent):
    result = evaluate(omega(), _facts(attended), {Cadence.DAILY, Cadence.HALF_TERMLY})
    assert ("omega.lon1" in _rules(result)) is sent


def test_acknowledgements_are_sent_every_period_and_do_not_touch_the_stage():
    facts = dataclasses.replace(_facts(980, stage=0), week=_year(10, 10))
    due = {Cadence.DAILY, Cadence.WEEKLY, Cadence.HALF_TERMLY}
    first = evaluate(omega(), facts, due)
    second = evaluate(omega(), dataclasses.replace(facts, active=first.active), due)
    assert _rules(first) == _rules(second) == ["omega.weekly_100", "omega.lon1"]
    assert first.stage == second.stage == 0


def test_a_weekly_run_alone_leaves_the_stage_and_the_daily_alerts_as_they_were():
    facts = dataclasses.replace(_facts(880, stage=4, active=frozenset({"omega.section_19"})), week=_year(10, 10))
    result = evaluate(omega(), facts, {Cadence.WEEKLY})
    assert (result.stage, result.active, _rules(result)) == (4, frozenset({"omega.section_19"}), ["omega.weekly_100"])


# --- Reviews ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "review", "rules"),
    [
        (2, Review.MET, ["omega.lon6"]),
        (3, Review.MET, ["omega.lon6"]),
        (1, Review.MET, []),  # no targets are set at LON2
        (2, Review.MISSED, []),
        (2, None, []),
    ],
)
def test_omega_sends_lon6_when_targets_are_met(stage, review, rules):
    attended = {1: 960, 2: 940, 3: 910}[stage]
    assert _rules(evaluate(omega(), _facts(attended, stage=stage, review=review))) == rules


# --- Waterton ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("u", "warned"), [(4, False), (5, True)])
def test_waterton_warns_at_5_u_sessions_in_a_half_term(u, warned):
    result = evaluate(waterton(), _facts(u_this_half_term=u))
    assert ("waterton.late_warning" in _rules(result)) is warned
    if warned:
        assert result.proposals[0].letter == "WAT_LATE_WARNING"


@pytest.mark.parametrize(("u", "flagged"), [(9, False), (10, True)])
def test_waterton_persistent_lateness_is_10_u_sessions_in_10_school_weeks(u, flagged):
    result = evaluate(waterton(), _facts(u_in_weeks={10: u}))
    assert ("waterton.persistent_lateness" in _rules(result)) is flagged


@pytest.mark.parametrize(("attended", "stage"), [(900, 0), (899, 1)])
def test_waterton_stage_1_starts_below_90_percent(attended, stage):
    result = evaluate(waterton(), _facts(attended))
    assert result.stage == stage
    if stage:
        (proposal,) = result.proposals
        assert proposal.letter == "WAT_STAGE1"
        assert [a.code for a in proposal.actions if a.kind is ActionKind.MEETING] == ["stage1_review"]


def test_waterton_escalates_a_stage_each_time_a_four_week_review_finds_no_improvement():
    stage1 = evaluate(waterton(), _facts(880))
    stage2 = evaluate(waterton(), _facts(880, stage=stage1.stage, review=Review.MISSED))
    assert (_rules(stage2), stage2.stage) == (["waterton.stage2"], 2)
    held = evaluate(waterton(), _facts(870, stage=2))
    assert (held.proposals, held.stage) == ((), 2)
    stage3 = evaluate(waterton(), _facts(870, stage=2, review=Review.MISSED))
    assert (_rules(stage3), stage3.stage) == (["waterton.stage3"], 3)
    kinds = {a.kind: a.code for a in stage3.proposals[0].actions}
    assert kinds[ActionKind.REFERRAL] == ReferralKind.EDUCATION_WELFARE
    assert ActionKind.PENALTY_NOTICE in kinds


def test_waterton_targets_met_keeps_the_stage_without_a_proposal():
    result = evaluate(waterton(), _facts(880, stage=2, review=Review.MET))
    assert (result.proposals, result.stage) == ((), 2)


def test_a_waterton_stage_reached_by_review_ends_when_attendance_recovers_to_90_percent():
    assert evaluate(waterton(), _facts(900, stage=3)).stage == 0


def test_no_improvement_at_stage_3_proposes_nothing_more():
    result = evaluate(waterton(), _facts(850, stage=3, review=Review.MISSED))
    assert (result.proposals, result.stage) == ((), 3)


@pytest.mark.parametrize(("days", "considered"), [(4, False), (Decimal("4.5"), False), (5, True)])
def test_waterton_considers_a_penalty_notice_for_5_days_of_term_time_leave(days, considered):
    assert ("waterton.term_time_leave" in _rules(evaluate(waterton(), _facts(leave_days=days)))) is considered


@pytest.mark.parametrize(("days", "referred"), [(19, False), (20, True)])
def test_waterton_refers_to_cme_after_20_days_without_contact(days, referred):
    assert ("waterton.cme" in _rules(evaluate(waterton(), _facts(days_without_contact=days)))) is referred


@pytest.mark.parametrize(
    ("attended", "possible", "colour"),
    [
        (1000, 1000, Band.BLUE),
        (980, 1000, Band.BLUE),  # exactly 98%
        (979, 1000, Band.GREEN),  # 97.9%
        (1959, 2000, Band.GREEN),  # 97.95%: shown as 98.0% but below 98%
        (960, 1000, Band.GREEN),  # exactly 96%
        (959, 1000, Band.AMBER),  # 95.9%
        (900, 1000, Band.AMBER),  # exactly 90%
        (899, 1000, Band.RED),  # 89.9%
        (0, 10, Band.RED),
        (0, 0, None),
    ],
)
def test_waterton_termly_colour_band_edges(attended, possible, colour):
    assert band(_year(attended, possible)) is colour


# --- ODST -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("attended", "stage"), [(960, 0), (959, 1), (900, 1), (899, 2)])
def test_odst_measures_against_its_96_percent_target(attended, stage):
    assert evaluate(odst(), _facts(attended)).stage == stage


def test_odst_policy_is_locked_and_cannot_be_adapted():
    assert odst().locked
    with pytest.raises(PolicyLocked):
        adapt(odst(), min_possible_sessions=10)


# --- Rules every trust shares -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", [omega, waterton, odst])
@pytest.mark.parametrize(("sessions", "considered"), [(9, False), (10, True)])
def test_10_unauthorised_sessions_in_10_school_weeks_bring_a_penalty_notice_consideration(preset, sessions, considered):
    policy = preset()
    result = evaluate(policy, _facts(unauthorised_in_weeks={10: sessions}))
    proposals = [p for p in result.proposals if p.rule.endswith("penalty_10_in_10")]
    assert bool(proposals) is considered
    if considered:
        assert proposals[0].actions[0].kind is ActionKind.PENALTY_NOTICE
        assert proposals[0].evidence["unauthorised_sessions"] == 10
        assert proposals[0].evidence["weeks"] == 10


@pytest.mark.parametrize("preset", [omega, waterton, odst])
@pytest.mark.parametrize(("days", "notified"), [(14, False), (Decimal("14.5"), False), (15, True)])
def test_section_19_notifies_the_la_at_15_school_days_of_illness(preset, days, notified):
    result = evaluate(preset(), _facts(illness_days=days))
    proposals = [p for p in result.proposals if p.rule.endswith("section_19")]
    assert bool(proposals) is notified
    if notified:
        assert proposals[0].actions[0].code == ReferralKind.SECTION_19


def test_an_alert_is_not_proposed_again_while_it_still_holds():
    first = evaluate(omega(), _facts(illness_days=15))
    assert first.active == frozenset({"omega.section_19"})
    again = evaluate(omega(), _facts(illness_days=16, active=first.active))
    assert again.proposals == () and again.active == first.active


def test_an_alert_is_proposed_again_after_it_clears_and_holds_again():
    first = evaluate(waterton(), _facts(u_this_half_term=5))
    cleared = evaluate(waterton(), _facts(u_this_half_term=0, active=first.active))  # a new half-term
    assert cleared.active == frozenset()
    again = evaluate(waterton(), _facts(u_this_half_term=5, active=cleared.active))
    assert _rules(again) == ["waterton.late_warning"]


def test_alerts_come_alongside_the_ladder_proposal():
    result = evaluate(omega(), _facts(880, illness_days=20, unauthorised_in_weeks={10: 12}))
    assert _rules(result) == ["omega.lon5", "omega.penalty_10_in_10", "omega.section_19"]


def test_facts_missing_a_window_the_policy_needs_are_refused():
    with pytest.raises(ValueError, match="10-school-week window"):
        evaluate(omega(), PupilFacts(year=_year(1000)))


def test_windows_needed_lists_the_rolling_windows_to_count():
    assert windows_needed(waterton()) == {
        Kind.PERSISTENT_LATENESS: frozenset({10}),
        Kind.UNAUTHORISED_IN_WEEKS: frozenset({10}),
    }


# --- Consecutive days (a kind no preset uses directly) ----------------------------------------------------------------


@pytest.mark.parametrize(("days", "proposed"), [(2, False), (3, True)])
def test_a_consecutive_days_rule_fires_at_its_threshold(days, proposed):
    policy = Policy("t", 1, (Rule("t.run", Kind.CONSECUTIVE_DAYS_ABSENT, (letter("X"),), threshold=3),))
    assert bool(evaluate(policy, PupilFacts(consecutive_days_absent=days)).proposals) is proposed


# --- Policy as data ---------------------------------------------------------------------------------------------------


def test_a_school_may_adapt_an_unlocked_policys_parameters():
    adapted = adapt(omega(), min_possible_sessions=40, thresholds={"omega.lon2": Decimal("96.5")})
    assert adapted.min_possible_sessions == 40
    assert evaluate(adapted, _facts(966)).stage == 0
    assert evaluate(adapted, _facts(964)).stage == 1
    assert omega().rule("omega.lon2").threshold == 97


def test_adapting_a_rule_the_policy_lacks_is_refused():
    with pytest.raises(KeyError):
        adapt(omega(), thresholds={"omega.nope": 90})


@pytest.mark.parametrize(
    "rules",
    [
        (Rule("a", Kind.ATTENDANCE_BELOW, ()), Rule("a", Kind.ATTENDANCE_BELOW, ())),
        (Rule("a", Kind.ATTENDANCE_AT_LEAST, (), threshold=97, stage=1),),
        (Rule("a", Kind.ATTENDANCE_BELOW, (), stage=1, cadence=Cadence.WEEKLY),),
        (Rule("a", Kind.ATTENDANCE_BELOW, (), stage=0),),
        (Rule("a", Kind.UNAUTHORISED_IN_WEEKS, (), threshold=10),),
        (Rule("a", Kind.TARGETS_MISSED, (), stage=2, from_stage=2),),
    ],
    ids=["repeated code", "staged acknowledgement", "weekly ladder", "stage 0", "window without weeks", "review"],
)
def test_a_malformed_policy_is_refused(rules):
    with pytest.raises(PolicyError):
        Policy("bad", 1, rules)


@pytest.mark.parametrize("preset", [omega, waterton, odst])
def test_every_preset_is_well_formed_and_versioned(preset):
    policy = preset()
    assert policy.version == 1 and policy.rules
    assert [r.stage for r in policy.ladder] == sorted(r.stage for r in policy.ladder)
