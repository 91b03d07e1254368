"""Trying a draft policy: the comparison of two runs' evaluations (pure), and one school's run under both (database)."""

import datetime as dt

import pytest

from interventions import policies, simulation
from interventions.models import PolicyVersion
from interventions.policy_data import policy_from_data, policy_to_data
from interventions.thresholds import PupilFacts, adapt, evaluate, omega
from registers.statistics import SessionCounts
from tests.factories import PupilFactory, SchoolFactory
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_evaluate_command import ON, history

IN_FORCE = omega()
DRAFT = adapt(IN_FORCE, thresholds={"omega.lon2": 96, "omega.lon5": 91}, min_possible_sessions=20)


def year(attended: int, possible: int = 100) -> PupilFacts:
    return PupilFacts(
        year=SessionCounts(possible=possible, present=attended, authorised=possible - attended),
        unauthorised_in_weeks={10: 0},
    )


def run(policy, facts_by_pupil):
    return {pupil: evaluate(policy, facts) for pupil, facts in facts_by_pupil.items()}


PUPILS = {
    1: year(96),  # LON2 in force; 96 is not below 96 under the draft
    2: year(90),  # LON4 in force (below 92, not below 90); LON5 under the draft (below 91)
    3: year(99),  # nothing either way
    4: year(94),  # LON3 either way
}


def test_counts_are_per_category_under_each_policy():
    comparison = simulation.compare(
        run(IN_FORCE, PUPILS), run(DRAFT, PUPILS), in_force_policy=IN_FORCE, draft_policy=DRAFT
    )

    assert comparison.pupils == 4
    # LON2 is a letter; LON3 and LON4 bring meetings; LON5 considers a penalty notice.
    assert comparison.in_force == {"penalty": 0, "referral": 0, "meeting": 2, "letter": 1, "task": 0}
    assert comparison.draft == {"penalty": 1, "referral": 0, "meeting": 1, "letter": 0, "task": 0}
    assert (comparison.total_in_force, comparison.total_draft, comparison.total_difference) == (3, 2, -1)
    assert [(r.category, r.in_force, r.draft, r.difference) for r in comparison.rows][:3] == [
        ("penalty", 0, 1, 1),
        ("referral", 0, 0, 0),
        ("meeting", 2, 1, -1),
    ]


def test_only_pupils_whose_proposals_differ_are_listed_with_both_in_words():
    comparison = simulation.compare(
        run(IN_FORCE, PUPILS), run(DRAFT, PUPILS), in_force_policy=IN_FORCE, draft_policy=DRAFT
    )

    assert comparison.changes == (
        simulation.Change(1, "LON2 (stage 1)", "nothing"),
        simulation.Change(2, "LON4 (stage 3)", "LON5 (stage 4)"),
    )


def test_a_proposal_with_no_letter_is_named_by_its_rule():
    illness = PupilFacts(year=SessionCounts(possible=100, present=100), unauthorised_in_weeks={10: 0}, illness_days=15)
    [proposed] = evaluate(IN_FORCE, illness).proposals

    assert simulation.describe(proposed, IN_FORCE) == "Illness absence of 15 school days (section 19)"


def test_a_draft_that_only_renames_a_rule_changes_no_pupil():
    renamed = policy_from_data(
        {**policy_to_data(IN_FORCE), "rules": [{**r, "title": "Renamed"} for r in policy_to_data(IN_FORCE)["rules"]]}
    )

    comparison = simulation.compare(
        run(IN_FORCE, PUPILS), run(renamed, PUPILS), in_force_policy=IN_FORCE, draft_policy=renamed
    )

    assert comparison.changes == ()
    assert comparison.in_force == comparison.draft


def test_a_pupil_evaluated_under_only_one_policy_counts_as_proposed_nothing_under_the_other():
    comparison = simulation.compare(run(IN_FORCE, {7: year(96)}), {}, in_force_policy=IN_FORCE, draft_policy=DRAFT)

    assert comparison.changes == (simulation.Change(7, "LON2 (stage 1)", "nothing"),)


# --- One school, from its marks -------------------------------------------------------------------------------------


@pytest.fixture
def omega_school(school_a):
    school_calendar(school_a)
    return school_a


def draft_of(trust, policy, user=None) -> PolicyVersion:
    policies.trust_version(trust)  # version 1, from the preset, is in force before the draft is numbered
    return policies.save_draft(trust, policy_to_data(policy), user, note="Lower the first rung")


def test_a_schools_comparison_counts_tonights_proposals_from_its_marks(omega_school, lead):
    at_96 = PupilFactory(school=omega_school, legal_surname="Ninety-six")
    history(omega_school, at_96, ["/"] * 48 + ["I"] * 2)  # 96%: LON2 in force, nothing under the draft
    at_94 = PupilFactory(school=omega_school, legal_surname="Ninety-four")
    history(omega_school, at_94, ["/"] * 47 + ["I"] * 3)  # 94%: LON3 under both
    PupilFactory(school=omega_school, legal_surname="Nomarks")
    draft = draft_of(omega_school.trust, DRAFT, lead)

    comparison = simulation.compare_school(omega_school, ON, draft)

    assert comparison.pupils == 3
    assert (comparison.in_force["letter"], comparison.in_force["meeting"]) == (1, 1)
    assert (comparison.draft["letter"], comparison.draft["meeting"]) == (0, 1)
    assert comparison.changes == (simulation.Change(at_96.pk, "LON2 (stage 1)", "nothing"),)


def test_a_school_with_its_own_adaptation_is_compared_under_it(omega_school, lead):
    at_96 = PupilFactory(school=omega_school)
    history(omega_school, at_96, ["/"] * 48 + ["I"] * 2)
    policies.adapt_for_school(omega_school, policy_to_data(DRAFT), lead, "Our own first rung at 96%")
    trust_draft = draft_of(omega_school.trust, adapt(IN_FORCE, min_possible_sessions=10), lead)

    comparison = simulation.compare_school(omega_school, ON, trust_draft)

    # The trust's draft would replace the school's adaptation, so LON2 (at 97%) returns for this pupil.
    assert comparison.changes == (simulation.Change(at_96.pk, "nothing", "LON2 (stage 1)"),)


def test_trying_a_draft_writes_nothing(omega_school, lead):
    from interventions.models import Case, EvaluationRun, Proposal

    pupil = PupilFactory(school=omega_school)
    history(omega_school, pupil, ["/"] * 40 + ["O"] * 10)
    draft = draft_of(omega_school.trust, DRAFT, lead)

    simulation.compare_school(omega_school, ON, draft)

    assert not Proposal.objects.exists() and not Case.objects.exists() and not EvaluationRun.objects.exists()
    assert draft.is_draft and policies.version_in_force(omega_school).number == 1


def test_a_draft_of_another_trust_is_refused(omega_school, trust_b, lead):
    draft = draft_of(trust_b, DRAFT)

    with pytest.raises(ValueError, match="different trusts"):
        simulation.compare_school(omega_school, ON, draft)


def test_a_school_without_pupils_compares_as_nothing_either_way(trust_a, lead):
    empty = SchoolFactory(trust=trust_a)
    draft = draft_of(trust_a, DRAFT, lead)

    comparison = simulation.compare_school(empty, dt.date(2026, 11, 25), draft)

    assert (comparison.pupils, comparison.total_in_force, comparison.total_draft, comparison.changes) == (0, 0, 0, ())
