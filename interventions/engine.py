"""The nightly evaluation of one school: each pupil's figures from SQL, the policy in force, each pupil's case;
the proposals recorded for a leader to approve or dismiss.

- `dry_run` evaluates without writing (the `evaluate` command without --commit, and policy simulation).
- `commit_school` is the nightly run for one school and day. It runs in one transaction under an advisory lock on the
  school, and records an EvaluationRun in that same transaction. So two runs of the same school never overlap; a run
  that finished is not repeated (the second run of the night proposes nothing new); and a run cut off part way, say
  by a killed worker, leaves nothing behind, so running it again finishes the job with no duplicates.
- Reviews: a held meeting's targets are reviewed on its review day (or the first run after it): attendance over the
  review period at or above the target is "met", else "missed". The outcome is written on the meeting when the run
  is committed, so it is judged once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from registers import codes as C
from registers.attendance import year_to_date
from registers.models import COUNT_FIELDS, Mark, count_annotations
from registers.statistics import SessionCounts
from schools.models import School

from . import absence, day3
from .facts import due_on, facts_for_school, half_term_of, recent_school_weeks
from .models import Case, EvaluationRun, Meeting, PolicyVersion, Proposal
from .policies import in_force
from .policy_data import action_to_data
from .thresholds import ActionKind, Evaluation, Kind, Policy, Review, Window, evaluate

# pg_advisory_xact_lock(namespace, school id): one evaluation of a school at a time.
LOCK_NAMESPACE = 4_004

# The review screen groups a proposal by its most serious action.
CATEGORY_BY_ACTION = [
    (ActionKind.PENALTY_NOTICE, Proposal.Category.PENALTY),
    (ActionKind.REFERRAL, Proposal.Category.REFERRAL),
    (ActionKind.MEETING, Proposal.Category.MEETING),
    (ActionKind.LETTER, Proposal.Category.LETTER),
    (ActionKind.TASK, Proposal.Category.TASK),
]


def category_of(action_kinds: Iterable[ActionKind | str]) -> str:
    kinds = {ActionKind(k) for k in action_kinds}
    return next((cat for kind, cat in CATEGORY_BY_ACTION if kind in kinds), Proposal.Category.TASK)


# --- Reviews of meeting targets ---------------------------------------------------------------------------------------


def _reviews_due(school: School, on: dt.date, pupil_ids: Iterable[int]) -> dict[int, tuple[Review, Meeting]]:
    """Each pupil's held meeting whose targets fall due for review by `on`, and the outcome.

    One aggregate query per meeting under review (a handful a day), not per pupil on the roll.
    """
    meetings = (
        Meeting.objects.for_trust(school.trust)
        .filter(
            pupil__in=list(pupil_ids),
            status=Meeting.Status.HELD,
            outcome="",
            review_on__lte=on,
            held_on__isnull=False,
            target_pct__isnull=False,
        )
        .order_by("pupil", "review_on")
    )
    due: dict[int, tuple[Review, Meeting]] = {}
    for meeting in meetings:
        if meeting.pupil_id in due:
            continue
        row = (
            Mark.objects.for_trust(school.trust)
            .filter(pupil_id=meeting.pupil_id)
            .between(meeting.held_on, meeting.review_on)
            .while_enrolled()
            .aggregate(**count_annotations())
        )
        counts = SessionCounts(**{f: row[f] or 0 for f in COUNT_FIELDS})
        met = counts.possible and counts.attended * 100 >= meeting.target_pct * counts.possible
        due[meeting.pupil_id] = (Review.MET if met else Review.MISSED, meeting)
    return due


# --- Evaluation -------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SchoolEvaluation:
    policy: Policy
    evaluations: dict[int, Evaluation]  # by pupil id: every pupil on the roll
    cases: dict[int, Case]  # the pupils' existing cases
    reviews: dict[int, tuple[Review, Meeting]]


def evaluate_school(school: School, on: dt.date, policy: Policy) -> SchoolEvaluation:
    facts = facts_for_school(school, on, policy)
    cases = {c.pupil_id: c for c in Case.objects.for_trust(school.trust).filter(pupil__in=list(facts))}
    reviews = _reviews_due(school, on, cases)
    due = due_on(school, on)
    evaluations = {}
    for pupil, f in facts.items():
        case = cases.get(pupil)
        review = reviews.get(pupil)
        f = dataclasses.replace(
            f,
            stage=case.stage if case else 0,
            active=frozenset(case.active) if case else frozenset(),
            review=review[0] if review else None,
        )
        evaluations[pupil] = evaluate(policy, f, due)
    return SchoolEvaluation(policy, evaluations, cases, reviews)


def dry_run(school: School, on: dt.date, policy: Policy | None = None) -> dict[int, Evaluation]:
    """What a run would propose for every pupil on the roll (by pupil id), writing nothing."""
    if policy is None:
        _, policy = in_force(school)
    return evaluate_school(school, on, policy).evaluations


def commit_school(school: School, on: dt.date) -> EvaluationRun | None:
    """Evaluate the school on `on` and record the proposals; None when that day's run is already recorded."""
    started = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, school.pk])
        if EvaluationRun.objects.for_trust(school.trust).filter(school=school, on=on).exists():
            return None
        version, policy = in_force(school)
        result = evaluate_school(school, on, policy)
        run = EvaluationRun.objects.create(
            trust=school.trust,
            school=school,
            on=on,
            policy_version=version,
            pupils=len(result.evaluations),
            started_at=started,
            finished_at=started,
        )
        cases = _save_cases(school, on, result)
        proposals = _save_proposals(school, on, run, version, result, cases)
        for review, meeting in result.reviews.values():
            meeting.outcome = review.value
            meeting.save(update_fields=["outcome"])
        run.proposals, run.finished_at = proposals, timezone.now()
        run.save(update_fields=["proposals", "finished_at"])
    return run


def _save_cases(school: School, on: dt.date, result: SchoolEvaluation) -> dict[int, Case]:
    """Update every existing case and open one for each pupil the run put on the ladder, proposed for, or left with
    a rule holding."""
    cases = dict(result.cases)
    new = []
    for pupil, ev in result.evaluations.items():
        case = cases.get(pupil)
        if case is None:
            if not (ev.stage or ev.proposals or ev.active):
                continue
            case = Case(trust=school.trust, school=school, pupil_id=pupil)
            new.append(case)
            cases[pupil] = case
        if ev.stage != case.stage:
            case.stage_since = on
        case.stage, case.active, case.last_evaluated, case.school = ev.stage, sorted(ev.active), on, school
    existing = [c for c in cases.values() if c.pk]
    Case.objects.bulk_update(existing, ["stage", "stage_since", "active", "last_evaluated", "school"], batch_size=500)
    Case.objects.bulk_create(new, batch_size=500)
    return cases


def _save_proposals(school, on, run, version: PolicyVersion, result: SchoolEvaluation, cases) -> int:
    wanted = {pupil: ev.proposals for pupil, ev in result.evaluations.items() if ev.proposals}
    sessions = counting_sessions(school, on, result.policy, {p: [x.rule for x in ps] for p, ps in wanted.items()})
    rows = []
    for pupil, proposals in wanted.items():
        for p in proposals:
            rule = result.policy.rule(p.rule)
            evidence = {**_json(p.evidence), "sessions": sessions.get((pupil, p.rule), [])}
            rows.append(
                Proposal(
                    trust=school.trust,
                    school=school,
                    case=cases[pupil],
                    pupil_id=pupil,
                    run=run,
                    policy_version=version,
                    evaluated_on=on,
                    rule=p.rule,
                    rule_kind=p.kind.value,
                    title=rule.title,
                    stage=p.stage,
                    category=category_of(a.kind for a in p.actions),
                    letter=p.letter or "",
                    actions=[action_to_data(a) for a in p.actions],
                    evidence=evidence,
                )
            )
    # A pupil who moved school today could meet the same rule at both: the first school's proposal stands.
    Proposal.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


def json_safe(value: object) -> object:
    """Plain JSON values: Decimals as strings, dates as ISO strings, enums as their values."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _json(evidence: Mapping[str, object]) -> dict[str, object]:
    return json_safe(evidence)  # type: ignore[return-value]


# --- The sessions that count ------------------------------------------------------------------------------------------


def counting_sessions(
    school: School, on: dt.date, policy: Policy, rules_by_pupil: Mapping[int, list[str]]
) -> dict[tuple[int, str], list[list[str]]]:
    """For each (pupil, rule) proposed, the sessions that made the figures: [[date, "AM"|"PM", code], ...].

    One query reads the proposed pupils' absence and lateness marks over the longest window any of the rules looks
    at; each rule then keeps the ones inside its own window with its own codes.
    """
    if not rules_by_pupil:
        return {}
    year_start, _ = year_to_date(on)
    weeks = recent_school_weeks(school, on, max([r.weeks or 1 for r in policy.rules] + [1]))
    half_term = half_term_of(school, on)

    def window(rule) -> tuple[dt.date, frozenset[str]] | None:
        k = rule.kind
        if k is Kind.ATTENDANCE_BELOW:
            start = year_start if rule.window is Window.YEAR_TO_DATE else (weeks[0] if weeks else on)
            return start, C.ABSENT
        if k is Kind.UNAUTHORISED_IN_WEEKS and weeks:
            return weeks[min(rule.weeks or 1, len(weeks)) - 1], C.PENALTY_NOTICE
        if k is Kind.PERSISTENT_LATENESS and weeks:
            return weeks[min(rule.weeks or 1, len(weeks)) - 1], frozenset({"U"})
        if k is Kind.U_IN_HALF_TERM and half_term is not None:
            return half_term.starts, frozenset({"U"})
        if k is Kind.ILLNESS_DAYS:
            return year_start, frozenset({"I"})
        if k is Kind.LEAVE_DAYS:
            return year_start, frozenset({"G"})
        if k is Kind.CONSECUTIVE_DAYS_ABSENT or k is Kind.DAYS_WITHOUT_CONTACT:
            return None  # the run of absent days, below
        return None

    windows = {code: window(policy.rule(code)) for codes in rules_by_pupil.values() for code in codes}
    starts = [w[0] for w in windows.values() if w]
    codes = frozenset().union(*(w[1] for w in windows.values() if w)) if starts else frozenset()
    marks: dict[int, list[tuple[dt.date, str, str]]] = defaultdict(list)
    if starts:
        for pupil, date, session, code in (
            Mark.objects.for_trust(school.trust)
            .at_school(school)
            .between(min(starts), on)
            .filter(pupil__in=list(rules_by_pupil), code__in=sorted(codes))
            .while_enrolled()
            .order_by("pupil", "date", "session")
            .values_list("pupil", "date", "session", "code")
        ):
            marks[pupil].append((date, session, code))

    runs = {}
    run_rules = {Kind.CONSECUTIVE_DAYS_ABSENT, Kind.DAYS_WITHOUT_CONTACT}
    run_pupils = [p for p, cs in rules_by_pupil.items() if any(policy.rule(c).kind in run_rules for c in cs)]
    if run_pupils:
        days = day3.recent_school_days(school, on)
        runs = {p: absence.absence_run(m) for p, m in day3.pupil_days(school, days).items() if p in set(run_pupils)}

    out: dict[tuple[int, str], list[list[str]]] = {}
    for pupil, rule_codes in rules_by_pupil.items():
        for code in rule_codes:
            w = windows[code]
            if w is not None:
                start, wanted = w
                out[(pupil, code)] = [[d.isoformat(), s, c] for d, s, c in marks[pupil] if d >= start and c in wanted]
            elif pupil in runs:
                out[(pupil, code)] = [
                    [day.date.isoformat(), session, mark]
                    for day in runs[pupil].days
                    for session, mark in zip(("AM", "PM"), day.codes, strict=False)
                ]
    return out
