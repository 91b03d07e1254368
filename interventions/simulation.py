"""A draft policy tried against the policy in force: what tonight's run would propose at a school under each.

The comparison is plain functions over two runs' evaluations (pupil id -> thresholds.Evaluation, as engine.dry_run
returns them), so it is tested without pages. `compare_school` runs both evaluations for one school, writing nothing;
the page calls it school by school because each run reads the whole roll's figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from schools.models import School

from . import engine
from .models import PolicyVersion, Proposal
from .policies import in_force, policy_of
from .thresholds import Evaluation, Policy
from .thresholds import Proposal as Proposed

NOTHING = "nothing"


def category_counts(evaluations: Mapping[int, Evaluation]) -> dict[str, int]:
    """Proposals per review-screen category (engine.category_of), every category present, in the screen's order."""
    counts = dict.fromkeys(Proposal.Category.values, 0)
    for evaluation in evaluations.values():
        for proposed in evaluation.proposals:
            counts[engine.category_of(a.kind for a in proposed.actions)] += 1
    return counts


def describe(proposed: Proposed, policy: Policy) -> str:
    """A proposal in a few words: its first letter, else its rule's title; its stage when it is on the ladder.

    e.g. "LON2 (stage 1)", "Illness absence of 15 school days (section 19)".
    """
    rule = policy.rule(proposed.rule)
    what = proposed.letter or rule.title or rule.code
    return f"{what} (stage {proposed.stage})" if proposed.stage is not None else what


def describe_all(evaluation: Evaluation | None, policy: Policy) -> str:
    """All of a pupil's proposals, joined; "nothing" when there are none."""
    if evaluation is None or not evaluation.proposals:
        return NOTHING
    return "; ".join(describe(p, policy) for p in evaluation.proposals)


def _proposed(evaluation: Evaluation | None) -> frozenset[tuple[str, int | None]]:
    return frozenset((p.rule, p.stage) for p in evaluation.proposals) if evaluation else frozenset()


@dataclass(frozen=True)
class Change:
    """A pupil for whom the draft would propose something other than the policy in force."""

    pupil_id: int
    in_force: str  # e.g. "LON2 (stage 1)", or "nothing"
    draft: str


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    in_force: int
    draft: int

    @property
    def difference(self) -> int:
        return self.draft - self.in_force


@dataclass(frozen=True)
class Comparison:
    pupils: int  # pupils evaluated (on the roll under either policy)
    in_force: dict[str, int]  # proposals per category
    draft: dict[str, int]
    changes: tuple[Change, ...]  # in pupil id order; the page puts them in name order

    @property
    def rows(self) -> list[CategoryRow]:
        return [
            CategoryRow(value, label, self.in_force[value], self.draft[value])
            for value, label in Proposal.Category.choices
        ]

    @property
    def total_in_force(self) -> int:
        return sum(self.in_force.values())

    @property
    def total_draft(self) -> int:
        return sum(self.draft.values())

    @property
    def total_difference(self) -> int:
        return self.total_draft - self.total_in_force


def compare(
    in_force: Mapping[int, Evaluation],
    draft: Mapping[int, Evaluation],
    *,
    in_force_policy: Policy,
    draft_policy: Policy,
) -> Comparison:
    """Counts per category under each policy, and each pupil whose proposals differ (by rule and stage).

    A draft that only renames a rule changes no pupil: the same rules would be proposed, under their new titles.
    """
    pupils = sorted(set(in_force) | set(draft))
    changes = tuple(
        Change(
            pupil,
            describe_all(in_force.get(pupil), in_force_policy),
            describe_all(draft.get(pupil), draft_policy),
        )
        for pupil in pupils
        if _proposed(in_force.get(pupil)) != _proposed(draft.get(pupil))
    )
    return Comparison(len(pupils), category_counts(in_force), category_counts(draft), changes)


def compare_school(school: School, on: dt.date, draft: PolicyVersion) -> Comparison:
    """What a run at `school` on `on` would propose under the policy in force there and under `draft`; no writes.

    The policy in force is the school's own (an adaptation where it has one): that is what the draft would replace,
    since a newly adopted trust version takes precedence over older school adaptations.
    """
    if draft.trust_id != school.trust_id:
        raise ValueError("the draft and the school belong to different trusts")
    _, current = in_force(school)
    proposed = policy_of(draft)
    return compare(
        engine.dry_run(school, on, current),
        engine.dry_run(school, on, proposed),
        in_force_policy=current,
        draft_policy=proposed,
    )
