"""Day-1 triage order and longer-absence follow-up. No Django imports.

Omega Charter, Strand 3, Day 1: "Triage – prioritise according to risk (highest risk students first, vulnerable
students/students on 'watch list' for immediate action, safeguarding concerns/Persistent Absent/Severely Absent
students or risk thereof)". Day 3: absent three days or more → welfare call, home visit unless the reason is fully
justified. Waterton: home visits on day 2 and day 4 of unexplained absence; after 20 days without contact, a referral
to the LA's Children Missing Education officer.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from registers.statistics import SessionCounts

# At risk of persistent absence: missing 8% or more (attendance below 92%, the Charter's "high risk" band), not yet 10%.
AT_RISK_ABSENT_PERCENT = 8


class Tier(enum.IntEnum):
    WATCH_LIST = 1
    SAFEGUARDING = 2
    SEVERE = 3
    PERSISTENT = 4
    AT_RISK = 5
    OTHER = 6

    @property
    def label(self) -> str:
        return {
            Tier.WATCH_LIST: "Watch list",
            Tier.SAFEGUARDING: "Safeguarding",
            Tier.SEVERE: "Severely absent",
            Tier.PERSISTENT: "Persistently absent",
            Tier.AT_RISK: "At risk of persistent absence",
            Tier.OTHER: "Other",
        }[self]


@dataclass(frozen=True)
class RiskFacts:
    watch_list_reason: str = ""  # empty when not on the watch list
    safeguarding: Sequence[str] = ()  # e.g. ("child protection plan", "social worker")
    counts: SessionCounts = field(default_factory=SessionCounts)


@dataclass(frozen=True)
class Risk:
    tier: Tier
    reasons: tuple[str, ...]  # every reason that applies, most serious first


def at_risk(counts: SessionCounts) -> bool:
    return (
        bool(counts.possible)
        and not counts.persistent
        and counts.absent * 100 >= AT_RISK_ABSENT_PERCENT * counts.possible
    )


def assess(facts: RiskFacts) -> Risk:
    """The pupil's triage tier (the most serious that applies) and a reason for each risk that applies."""
    reasons: list[tuple[Tier, str]] = []
    if facts.watch_list_reason:
        reasons.append((Tier.WATCH_LIST, f"Watch list: {facts.watch_list_reason}"))
    if facts.safeguarding:
        reasons.append((Tier.SAFEGUARDING, "Safeguarding: " + ", ".join(facts.safeguarding)))
    c = facts.counts
    pct = c.attendance_pct
    if c.severe:
        reasons.append((Tier.SEVERE, f"Severely absent: {pct}% attendance this year"))
    elif c.persistent:
        reasons.append((Tier.PERSISTENT, f"Persistently absent: {pct}% attendance this year"))
    elif at_risk(c):
        reasons.append((Tier.AT_RISK, f"At risk of persistent absence: {pct}% attendance this year"))
    if not reasons:
        return Risk(Tier.OTHER, ("No other risk recorded",))
    return Risk(min(t for t, _ in reasons), tuple(text for _, text in sorted(reasons, key=lambda r: r[0])))


def consecutive_days_absent(days_absent: Sequence[bool]) -> int:
    """How many school days in a row, ending with the latest, the pupil was absent (oldest first in `days_absent`)."""
    run = 0
    for absent in reversed(days_absent):
        if not absent:
            break
        run += 1
    return run


class Follow(enum.StrEnum):
    WELFARE_CALL = "welfare_call"
    HOME_VISIT = "home_visit"
    CME_REFERRAL = "cme_referral"


def follow_ups(policy: str, run: int, justified: bool, days_without_contact: int) -> list[Follow]:
    """What a run of `run` school days of absence calls for today under the trust's policy.

    `justified`: the reason is fully justified (e.g. a hospital admission), so no home visit is needed (Omega).
    """
    actions: list[Follow] = []
    if policy == "waterton":
        # Home visits on day 2 and day 4 of an unexplained absence; CME referral after 20 days without contact.
        if not justified and run in (2, 4):
            actions.append(Follow.HOME_VISIT)
        if days_without_contact >= 20:
            actions.append(Follow.CME_REFERRAL)
        return actions
    if run >= 3:
        actions.append(Follow.WELFARE_CALL)
        if not justified:
            actions.append(Follow.HOME_VISIT)
    return actions
