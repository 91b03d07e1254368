"""The graduated response: a trust's escalation policy as data, and what it proposes for one pupil. No Django imports.

A policy is an ordered list of rules. Each rule has a kind, its parameters, an optional stage on the escalation
ladder and the actions it proposes (letters, meetings, referrals, tasks, penalty-notice considerations). The engine
only proposes; a leader approves or dismisses every proposal.

- Ladder rules (with a stage): when several are crossed, only the most serious stage is proposed. A stage is not
  proposed again while the pupil stays in it; the pupil leaves it only by recovering (no rule of that stage holds any
  more), and it is proposed again when they fall again. The caller passes the pupil's current stage in and stores the
  stage that comes back.
- Other rules (no stage) are proposed when their condition starts to hold and not again until it has stopped holding
  (the caller passes back `Evaluation.active`). Acknowledgements (weekly 100%, half-termly LON1 at 97%+) are separate
  from the ladder and are proposed every period they are due; review outcomes are proposed when a review ends.
- Percentages are compared exactly (attended x 100 against threshold x possible), never after rounding. Percentage
  rules on the year to date do not apply until the pupil has `min_possible_sessions` possible sessions.

Sources: Omega Attendance Charter, Strand 4 (graduated response); Waterton Academy Trust attendance policy (late
arrivals, Stages 1-3, penalty notices, termly colour bands, CME after 20 days without contact); ODST attendance
policy (96% target, central policy); DfE National Framework for Penalty Notices (August 2024: 10 sessions coded G, N,
O or U in 10 school weeks); Education Act 1996 section 19 (illness absence of 15 school days: notify the LA).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from registers.statistics import SessionCounts, percent


class Kind(enum.StrEnum):
    ATTENDANCE_BELOW = "attendance_below"  # threshold: percent
    ATTENDANCE_AT_LEAST = "attendance_at_least"  # threshold: percent; an acknowledgement, never a stage
    UNAUTHORISED_IN_WEEKS = "unauthorised_in_weeks"  # threshold: G/N/O/U sessions in the last `weeks` school weeks
    U_IN_HALF_TERM = "u_in_half_term"  # threshold: U sessions in the current half-term
    PERSISTENT_LATENESS = "persistent_lateness"  # threshold: U sessions in the last `weeks` school weeks
    CONSECUTIVE_DAYS_ABSENT = "consecutive_days_absent"  # threshold: school days
    DAYS_WITHOUT_CONTACT = "days_without_contact"  # threshold: school days
    LEAVE_DAYS = "leave_days"  # threshold: school days of term-time leave taken without authorisation (G)
    ILLNESS_DAYS = "illness_days"  # threshold: school days of illness absence this year
    TARGETS_MET = "targets_met"  # at the end of a review period
    TARGETS_MISSED = "targets_missed"  # at the end of a review period

    @property
    def is_percentage(self) -> bool:
        return self in (Kind.ATTENDANCE_BELOW, Kind.ATTENDANCE_AT_LEAST)

    @property
    def is_review(self) -> bool:
        return self in (Kind.TARGETS_MET, Kind.TARGETS_MISSED)


class Window(enum.StrEnum):
    YEAR_TO_DATE = "year_to_date"
    WEEK = "week"


class Cadence(enum.StrEnum):
    """When a rule is evaluated: ladder and alert rules every school day, acknowledgements at the end of a period."""

    DAILY = "daily"
    WEEKLY = "weekly"
    HALF_TERMLY = "half_termly"


class Review(enum.StrEnum):
    MET = "met"
    MISSED = "missed"


class ActionKind(enum.StrEnum):
    LETTER = "letter"  # code: the letter template, e.g. "LON3"
    MEETING = "meeting"  # code: a MeetingKind
    REFERRAL = "referral"  # code: a ReferralKind
    TASK = "task"  # code: a short task code, detail says what to do
    PENALTY_NOTICE = "penalty_notice"  # consider a penalty notice (or prosecution, when the detail says so)


class MeetingKind(enum.StrEnum):
    ATTENDANCE_IMPROVEMENT = "attendance_improvement"
    FURTHER_ATTENDANCE_IMPROVEMENT = "further_attendance_improvement"
    STAGE1_REVIEW = "stage1_review"
    STAGE2_SERIOUS_CONCERN = "stage2_serious_concern"


class ReferralKind(enum.StrEnum):
    LA_ATTENDANCE_SUPPORT = "la_attendance_support"
    EDUCATION_WELFARE = "education_welfare"
    SOCIAL_CARE = "social_care"
    CHILDREN_MISSING_EDUCATION = "children_missing_education"
    SECTION_19 = "section_19"  # notify the LA of its duty to arrange education for a pupil too ill to attend


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    code: str
    detail: str = ""
    attendees: tuple[str, ...] = ()  # meetings
    target_weeks: int | None = None  # meetings that set targets: at least 4 school weeks


def letter(template: str, detail: str = "") -> Action:
    return Action(ActionKind.LETTER, template, detail)


def meeting(kind: MeetingKind, attendees: tuple[str, ...], target_weeks: int | None = 4, detail: str = "") -> Action:
    return Action(ActionKind.MEETING, kind.value, detail, attendees, target_weeks)


def referral(kind: ReferralKind, detail: str = "") -> Action:
    return Action(ActionKind.REFERRAL, kind.value, detail)


def task(code: str, detail: str) -> Action:
    return Action(ActionKind.TASK, code, detail)


def penalty_notice(detail: str) -> Action:
    return Action(ActionKind.PENALTY_NOTICE, "consider", detail)


@dataclass(frozen=True)
class Rule:
    code: str  # unique within the policy, e.g. "omega.lon3"; proposals and `active` name rules by it
    kind: Kind
    actions: tuple[Action, ...]
    threshold: Decimal | int = 0  # percent for percentage rules, else a count of sessions or school days
    stage: int | None = None  # its rung on the escalation ladder, or None for a rule outside the ladder
    weeks: int | None = None  # school weeks in the rolling window (UNAUTHORISED_IN_WEEKS, PERSISTENT_LATENESS)
    window: Window = Window.YEAR_TO_DATE  # percentage rules
    cadence: Cadence = Cadence.DAILY
    from_stage: int | None = None  # review rules: the pupil must be at this stage or above
    title: str = ""

    @property
    def params(self) -> dict[str, object]:
        """The rule's parameters, for evidence and for the policy editor."""
        p: dict[str, object] = {"threshold": str(self.threshold)}
        if self.weeks is not None:
            p["weeks"] = self.weeks
        if self.kind.is_percentage:
            p["window"] = self.window.value
        if self.from_stage is not None:
            p["from_stage"] = self.from_stage
        return p


class PolicyError(ValueError):
    pass


class PolicyLocked(PolicyError):
    pass


@dataclass(frozen=True)
class Policy:
    name: str
    version: int
    rules: tuple[Rule, ...]
    locked: bool = False  # a locked trust policy may not be adapted by its schools
    min_possible_sessions: int = 20  # year-to-date percentage rules do not apply below this

    def __post_init__(self) -> None:
        codes = [r.code for r in self.rules]
        if len(set(codes)) != len(codes):
            raise PolicyError(
                f"rule codes repeat in {self.name}: {sorted(c for c in set(codes) if codes.count(c) > 1)}"
            )
        for r in self.rules:
            if r.kind is Kind.ATTENDANCE_AT_LEAST and r.stage is not None:
                raise PolicyError(f"{r.code}: an acknowledgement is not a stage of the ladder")
            if r.stage is not None and r.cadence is not Cadence.DAILY:
                raise PolicyError(f"{r.code}: ladder rules are evaluated daily")
            if r.stage is not None and r.stage < 1:
                raise PolicyError(f"{r.code}: stages start at 1")
            if r.kind in (Kind.UNAUTHORISED_IN_WEEKS, Kind.PERSISTENT_LATENESS) and not r.weeks:
                raise PolicyError(f"{r.code}: a rolling window needs its number of school weeks")
            if r.kind.is_review and r.stage is not None and (r.from_stage is None or r.from_stage >= r.stage):
                raise PolicyError(f"{r.code}: missed targets escalate from a lower stage")

    @property
    def ladder(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.stage is not None)

    def rule(self, code: str) -> Rule:
        for r in self.rules:
            if r.code == code:
                return r
        raise KeyError(code)


def adapt(
    policy: Policy,
    *,
    min_possible_sessions: int | None = None,
    thresholds: Mapping[str, Decimal | int] | None = None,
    weeks: Mapping[str, int] | None = None,
) -> Policy:
    """A school's adaptation of its trust's parameters (same rules, same actions); refused for a locked policy.

    The version is left as it is: the caller records the adapted policy as a new version.
    """
    if policy.locked:
        raise PolicyLocked(f"{policy.name} is set centrally and cannot be adapted")
    thresholds, weeks = thresholds or {}, weeks or {}
    for code in (*thresholds, *weeks):
        policy.rule(code)  # KeyError for a rule the policy does not have
    rules = tuple(
        dataclasses.replace(
            r,
            threshold=thresholds.get(r.code, r.threshold),
            weeks=weeks.get(r.code, r.weeks),
        )
        for r in policy.rules
    )
    return dataclasses.replace(
        policy,
        rules=rules,
        min_possible_sessions=policy.min_possible_sessions if min_possible_sessions is None else min_possible_sessions,
    )


@dataclass(frozen=True)
class PupilFacts:
    """Plain figures about one pupil on the evaluation day; the caller loads them from the database."""

    year: SessionCounts = field(default_factory=SessionCounts)  # the year to date
    week: SessionCounts = field(default_factory=SessionCounts)  # the school week just ended (acknowledgements)
    unauthorised_in_weeks: Mapping[int, int] = field(default_factory=dict)  # N -> G/N/O/U sessions, last N weeks
    u_in_weeks: Mapping[int, int] = field(default_factory=dict)  # N -> U sessions in the last N school weeks
    u_this_half_term: int = 0
    illness_days: Decimal | int = 0  # school days of illness absence (I) this year; half days allowed
    leave_days: Decimal | int = 0  # school days of term-time leave without authorisation (G)
    consecutive_days_absent: int = 0
    days_without_contact: int = 0
    review: Review | None = None  # set only on the day a review period ends
    stage: int = 0  # the pupil's current stage on the ladder, 0 when none
    active: frozenset[str] = frozenset()  # rules outside the ladder that held at the last evaluation


@dataclass(frozen=True)
class Proposal:
    rule: str
    kind: Kind
    stage: int | None
    actions: tuple[Action, ...]
    evidence: Mapping[str, object]  # the figures that triggered it, the rule's parameters, the policy and version
    policy: str
    version: int

    @property
    def letter(self) -> str | None:
        """The first letter template the proposal sends, or None."""
        return next((a.code for a in self.actions if a.kind is ActionKind.LETTER), None)


@dataclass(frozen=True)
class Evaluation:
    stage: int  # the pupil's stage after this evaluation: store it and pass it back next time
    proposals: tuple[Proposal, ...]
    active: frozenset[str]  # store it and pass it back next time as PupilFacts.active


def windows_needed(policy: Policy) -> dict[Kind, frozenset[int]]:
    """Which rolling windows (in school weeks) the caller must count for this policy."""
    needed: dict[Kind, set[int]] = {}
    for r in policy.rules:
        if r.weeks is not None:
            needed.setdefault(r.kind, set()).add(r.weeks)
    return {k: frozenset(v) for k, v in needed.items()}


def _in_window(counts: Mapping[int, int], weeks: int, what: str) -> int:
    try:
        return counts[weeks]
    except KeyError:
        raise ValueError(f"the facts lack {what} for a {weeks}-school-week window") from None


def _check(rule: Rule, facts: PupilFacts, policy: Policy) -> dict[str, object] | None:
    """The evidence when the rule's condition holds, else None (including when a percentage rule does not apply)."""
    k = rule.kind
    if k.is_percentage:
        counts = facts.year if rule.window is Window.YEAR_TO_DATE else facts.week
        minimum = policy.min_possible_sessions if rule.window is Window.YEAR_TO_DATE else 1
        if counts.possible < max(minimum, 1):
            return None
        scaled, bar = Decimal(counts.attended * 100), Decimal(rule.threshold) * counts.possible
        if (scaled < bar) if k is Kind.ATTENDANCE_BELOW else (scaled >= bar):
            return {
                "attended": counts.attended,
                "possible": counts.possible,
                "absent": counts.absent,
                "unauthorised": counts.unauthorised,
                "attendance_pct": str(percent(counts.attended, counts.possible)),
            }
        return None
    if k.is_review:
        wanted = Review.MET if k is Kind.TARGETS_MET else Review.MISSED
        if facts.review is not wanted or (rule.from_stage is not None and facts.stage < rule.from_stage):
            return None
        return {"review": wanted.value, "from_stage": facts.stage}
    if k is Kind.UNAUTHORISED_IN_WEEKS:
        figures: dict[str, object] = {
            "unauthorised_sessions": _in_window(facts.unauthorised_in_weeks, rule.weeks or 0, "unauthorised sessions")
        }
    elif k is Kind.PERSISTENT_LATENESS:
        figures = {"u_sessions": _in_window(facts.u_in_weeks, rule.weeks or 0, "U sessions")}
    elif k is Kind.U_IN_HALF_TERM:
        figures = {"u_sessions_this_half_term": facts.u_this_half_term}
    elif k is Kind.CONSECUTIVE_DAYS_ABSENT:
        figures = {"consecutive_days_absent": facts.consecutive_days_absent}
    elif k is Kind.DAYS_WITHOUT_CONTACT:
        figures = {"days_without_contact": facts.days_without_contact}
    elif k is Kind.LEAVE_DAYS:
        figures = {"leave_days": facts.leave_days}
    elif k is Kind.ILLNESS_DAYS:
        figures = {"illness_days": facts.illness_days}
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(k)
    (value,) = figures.values()
    if Decimal(value) >= Decimal(rule.threshold):  # type: ignore[arg-type]
        return {name: str(v) if isinstance(v, Decimal) else v for name, v in figures.items()}
    return None


def _propose(rule: Rule, figures: Mapping[str, object], policy: Policy) -> Proposal:
    evidence = {
        **figures,
        "rule": rule.code,
        "kind": rule.kind.value,
        **rule.params,
        "policy": policy.name,
        "version": policy.version,
    }
    return Proposal(rule.code, rule.kind, rule.stage, rule.actions, evidence, policy.name, policy.version)


def _stage_kept(policy: Policy, facts: PupilFacts, held: Mapping[str, object]) -> int:
    """The highest stage at or below the current one the pupil is still in.

    A stage reached on a percentage or count rule holds while that rule holds; a stage reached by missing targets
    holds while the stage it escalated from holds. Before the year has enough possible sessions for percentage rules
    to apply, nothing is judged and the current stage stands.
    """
    if facts.year.possible < policy.min_possible_sessions and any(r.kind.is_percentage for r in policy.ladder):
        return facts.stage
    holding: set[int] = set()
    for r in sorted(policy.ladder, key=lambda r: r.stage or 0):
        assert r.stage is not None
        if r.kind.is_review:
            if r.from_stage in holding and r.stage <= facts.stage:
                holding.add(r.stage)
        elif r.code in held:
            holding.add(r.stage)
    return max((s for s in holding if s <= facts.stage), default=0)


def evaluate(policy: Policy, facts: PupilFacts, due: Collection[Cadence] = (Cadence.DAILY,)) -> Evaluation:
    """The proposals for one pupil under `policy`, the pupil's new stage and the rules that now hold.

    `due`: the cadences being run (the nightly run passes DAILY, adding WEEKLY at the end of a school week and
    HALF_TERMLY at the end of a half-term); a rule whose cadence is not due is not looked at.
    """
    held = {r.code: ev for r in policy.rules if r.cadence in due and (ev := _check(r, facts, policy)) is not None}
    proposals: list[Proposal] = []

    triggered = [r for r in policy.ladder if r.code in held]
    top = max((r.stage or 0 for r in triggered), default=0)
    stage = _stage_kept(policy, facts, held) if Cadence.DAILY in due else facts.stage
    if top > facts.stage:
        first = next(r for r in triggered if r.stage == top)  # the policy's order breaks a tie
        proposals.append(_propose(first, held[first.code], policy))
        stage = top

    active = set()
    for r in policy.rules:
        if r.stage is not None or r.code not in held:
            continue
        if r.kind.is_review or r.cadence is not Cadence.DAILY:
            proposals.append(_propose(r, held[r.code], policy))  # an event, or an acknowledgement for the period
        else:
            active.add(r.code)
            if r.code not in facts.active:
                proposals.append(_propose(r, held[r.code], policy))
    # a daily rule that was not looked at this time (not due) keeps its state
    active |= {c for c in facts.active if any(r.code == c and r.cadence not in due for r in policy.rules)}
    return Evaluation(stage, tuple(proposals), frozenset(active))


# --- The National Framework for Penalty Notices and section 19, in every trust's policy -------------------------------


def national_rules(prefix: str) -> tuple[Rule, ...]:
    return (
        Rule(
            f"{prefix}.penalty_10_in_10",
            Kind.UNAUTHORISED_IN_WEEKS,
            (
                penalty_notice(
                    "10 sessions coded G, N, O or U in 10 school weeks (National Framework for Penalty Notices); a "
                    "count that relies on N codes is provisional until the reason is known"
                ),
            ),
            threshold=10,
            weeks=10,
            title="Unauthorised absence: 10 sessions in 10 school weeks",
        ),
        Rule(
            f"{prefix}.section_19",
            Kind.ILLNESS_DAYS,
            (referral(ReferralKind.SECTION_19, "Notify the local authority: 15 school days of illness absence"),),
            threshold=15,
            title="Illness absence of 15 school days (section 19)",
        ),
    )


# --- Presets ----------------------------------------------------------------------------------------------------------


def omega() -> Policy:
    """Omega Attendance Charter, Strand 4: Graduated Response."""
    aip = "Attendance Improvement Plan"
    return Policy(
        "Omega graduated response",
        1,
        (
            Rule(
                "omega.weekly_100",
                Kind.ATTENDANCE_AT_LEAST,
                (letter("WEEKLY", "Weekly acknowledgement of 100% attendance"),),
                threshold=100,
                window=Window.WEEK,
                cadence=Cadence.WEEKLY,
                title="100% this week",
            ),
            Rule(
                "omega.lon1",
                Kind.ATTENDANCE_AT_LEAST,
                (letter("LON1", "Acknowledging excellent attendance; qualifies for rewards"),),
                threshold=97,
                cadence=Cadence.HALF_TERMLY,
                title="97% and above",
            ),
            Rule("omega.lon2", Kind.ATTENDANCE_BELOW, (letter("LON2"),), threshold=97, stage=1, title="Below 97%"),
            Rule(
                "omega.lon3",
                Kind.ATTENDANCE_BELOW,
                (
                    letter("LON3"),
                    meeting(
                        MeetingKind.ATTENDANCE_IMPROVEMENT,
                        ("parents/carers", "pupil if age appropriate", "attendance lead"),
                        detail="Held in the parents' absence if they do not attend; progress obtained from teachers",
                    ),
                    task("listening_summary", "Complete the Listening and Understanding Summary"),
                    letter("MEDICAL_EVIDENCE", "Medical evidence requested to authorise subsequent absences"),
                    task("aip_by_post", f"Send the {aip} by post (hand deliver if parents did not attend)"),
                ),
                threshold=95,
                stage=2,
                title="Below 95%",
            ),
            Rule(
                "omega.lon4",
                Kind.ATTENDANCE_BELOW,
                (
                    letter("LON4"),
                    meeting(
                        MeetingKind.FURTHER_ATTENDANCE_IMPROVEMENT,
                        ("parents/carers", "headteacher or designated senior leader"),
                    ),
                    letter("PENALTY_WARNING", "Risk of fixed penalty/prosecution without immediate improvement"),
                    task("aip_after_meeting", f"Send the {aip} by post or hand deliver it after the meeting"),
                ),
                threshold=92,
                stage=3,
                title="Below 92%",
            ),
            Rule(
                "omega.lon5",
                Kind.ATTENDANCE_BELOW,
                (
                    letter("LON5"),
                    referral(ReferralKind.LA_ATTENDANCE_SUPPORT, "Referral to the LA Attendance Support Team"),
                    penalty_notice("Fixed penalty/prosecution referral to the local authority as appropriate"),
                    task("in_school_action", "Consider in-school action such as PA classes (secondary only)"),
                ),
                threshold=90,
                stage=4,
                title="Below 90%",
            ),
            Rule(
                "omega.lon6",
                Kind.TARGETS_MET,
                (letter("LON6", "Acknowledging improvement: attendance targets achieved"),),
                from_stage=2,
                title="Targets achieved",
            ),
            *national_rules("omega"),
        ),
    )


def waterton() -> Policy:
    """Waterton Academy Trust: late arrivals, Stages 1-3, penalty notices, children missing education."""
    return Policy(
        "Waterton attendance policy",
        1,
        (
            Rule(
                "waterton.late_warning",
                Kind.U_IN_HALF_TERM,
                (
                    letter(
                        "WAT_LATE_WARNING", "A penalty notice may be issued if lateness after registration continues"
                    ),
                ),
                threshold=5,
                title="5 U sessions in a half-term",
            ),
            Rule(
                "waterton.persistent_lateness",
                Kind.PERSISTENT_LATENESS,
                (penalty_notice("Persistent lateness: 10 U sessions in 10 school weeks"),),
                threshold=10,
                weeks=10,
                title="Persistent lateness",
            ),
            Rule(
                "waterton.stage1",
                Kind.ATTENDANCE_BELOW,
                (
                    letter("WAT_STAGE1", "Written warning"),
                    meeting(
                        MeetingKind.STAGE1_REVIEW,
                        ("parents/carers", "Trust Education Welfare Officer", "attendance champion"),
                        detail="Absence review; strategies for improvement agreed; outcome letter to parents",
                    ),
                ),
                threshold=90,
                stage=1,
                title="Below 90%: Stage 1",
            ),
            Rule(
                "waterton.stage2",
                Kind.TARGETS_MISSED,
                (
                    letter("WAT_STAGE2"),
                    meeting(
                        MeetingKind.STAGE2_SERIOUS_CONCERN,
                        ("parents/carers", "Trust Education Welfare Officer", "headteacher or deputising leader"),
                    ),
                    task("formal_aip", "Agree a formal Attendance Improvement Plan"),
                ),
                stage=2,
                from_stage=1,
                title="No improvement after 4 school weeks: Stage 2",
            ),
            Rule(
                "waterton.stage3",
                Kind.TARGETS_MISSED,
                (
                    letter("WAT_STAGE3", "The matter has been referred to the local authority"),
                    referral(ReferralKind.EDUCATION_WELFARE, "Referral to the LA Education Welfare Service"),
                    penalty_notice("At risk of a penalty notice and/or legal action"),
                ),
                stage=3,
                from_stage=2,
                title="No improvement after 4 more school weeks: Stage 3",
            ),
            Rule(
                "waterton.term_time_leave",
                Kind.LEAVE_DAYS,
                (penalty_notice("Term-time leave of 5 or more consecutive or accumulated days"),),
                threshold=5,
                title="Term-time leave of 5 days",
            ),
            Rule(
                "waterton.cme",
                Kind.DAYS_WITHOUT_CONTACT,
                (referral(ReferralKind.CHILDREN_MISSING_EDUCATION, "20 days' absence without contact"),),
                threshold=20,
                title="20 days without contact",
            ),
            *national_rules("waterton"),
        ),
    )


def odst() -> Policy:
    """ODST: one central policy, locked, with a 96% target for all pupils and groups."""
    return Policy(
        "ODST attendance policy",
        1,
        (
            Rule(
                "odst.below_target",
                Kind.ATTENDANCE_BELOW,
                (task("understand_barriers", "Work with the pupil and parents to understand and address the reasons"),),
                threshold=96,
                stage=1,
                title="Below the 96% target",
            ),
            Rule(
                "odst.persistent",
                Kind.ATTENDANCE_BELOW,
                (
                    task("targeted_support", "Put additional targeted support in place; work with partners"),
                    task("formal_conversation", "Where there is a lack of engagement, hold a more formal conversation"),
                ),
                threshold=90,
                stage=2,
                title="Persistently absent (below 90%)",
            ),
            *national_rules("odst"),
        ),
        locked=True,
    )


PRESETS = {"omega": omega, "waterton": waterton, "odst": odst}


# --- Waterton's termly summary ----------------------------------------------------------------------------------------


class Band(enum.StrEnum):
    BLUE = "blue"  # 98-100%: great attendance
    GREEN = "green"  # 96-97.9%: good attendance
    AMBER = "amber"  # 90-95.9%: cause for concern
    RED = "red"  # below 90%: serious concerns


def band(counts: SessionCounts) -> Band | None:
    """Waterton's termly colour band, compared exactly (97.95% is Green, not Blue); None with no possible sessions."""
    if not counts.possible:
        return None
    scaled = counts.attended * 100
    for floor, colour in ((98, Band.BLUE), (96, Band.GREEN), (90, Band.AMBER)):
        if scaled >= floor * counts.possible:
            return colour
    return Band.RED
