"""A policy (interventions.thresholds.Policy) as plain JSON data and back, for PolicyVersion.document. No Django.

The round trip is exact: `policy_from_data(policy_to_data(p)) == p`. Reading checks every field, so a document that
does not describe a valid policy raises PolicyError naming what is wrong, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from .thresholds import Action, ActionKind, Cadence, Kind, Policy, PolicyError, Rule, Window


def policy_to_data(policy: Policy) -> dict[str, object]:
    return {
        "name": policy.name,
        "version": policy.version,
        "locked": policy.locked,
        "min_possible_sessions": policy.min_possible_sessions,
        "rules": [_rule_to_data(r) for r in policy.rules],
    }


def _rule_to_data(rule: Rule) -> dict[str, object]:
    return {
        "code": rule.code,
        "kind": rule.kind.value,
        "title": rule.title,
        "threshold": str(rule.threshold),
        "stage": rule.stage,
        "weeks": rule.weeks,
        "window": rule.window.value,
        "cadence": rule.cadence.value,
        "from_stage": rule.from_stage,
        "actions": [action_to_data(a) for a in rule.actions],
    }


def action_to_data(action: Action) -> dict[str, object]:
    return {
        "kind": action.kind.value,
        "code": action.code,
        "detail": action.detail,
        "attendees": list(action.attendees),
        "target_weeks": action.target_weeks,
    }


def action_from_data(data: Mapping[str, object]) -> Action:
    return Action(
        kind=_enum(ActionKind, data.get("kind"), "action kind"),
        code=_text(data.get("code"), "action code"),
        detail=str(data.get("detail") or ""),
        attendees=tuple(str(a) for a in data.get("attendees") or ()),  # type: ignore[union-attr]
        target_weeks=_int_or_none(data.get("target_weeks"), "target weeks"),
    )


def policy_from_data(data: Mapping[str, object], *, version: int | None = None) -> Policy:
    """The policy a document describes; `version` overrides the document's own (the PolicyVersion's number)."""
    if not isinstance(data, Mapping):
        raise PolicyError("a policy document must be an object")
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        raise PolicyError("a policy needs at least one rule")
    minimum = _int_or_none(data.get("min_possible_sessions", 20), "minimum possible sessions")
    if minimum is None or minimum < 0:
        raise PolicyError("the minimum possible sessions must be 0 or more")
    return Policy(
        name=_text(data.get("name"), "policy name"),
        version=version if version is not None else (_int_or_none(data.get("version"), "version") or 1),
        rules=tuple(_rule_from_data(r) for r in rules),
        locked=bool(data.get("locked", False)),
        min_possible_sessions=minimum,
    )


def _rule_from_data(data: object) -> Rule:
    if not isinstance(data, Mapping):
        raise PolicyError("each rule must be an object")
    code = _text(data.get("code"), "rule code")
    kind = _enum(Kind, data.get("kind"), f"{code}: rule kind")
    try:
        threshold: Decimal | int = Decimal(str(data.get("threshold", "0")))
    except InvalidOperation:
        raise PolicyError(f"{code}: the threshold {data.get('threshold')!r} is not a number") from None
    if threshold < 0 or (kind.is_percentage and threshold > 100):
        raise PolicyError(f"{code}: the threshold {threshold} is out of range")
    if threshold == threshold.to_integral_value() and not kind.is_percentage:
        threshold = int(threshold)
    actions = data.get("actions") or []
    if not isinstance(actions, list):
        raise PolicyError(f"{code}: actions must be a list")
    return Rule(
        code=code,
        kind=kind,
        actions=tuple(action_from_data(a) for a in actions),
        threshold=threshold,
        stage=_int_or_none(data.get("stage"), f"{code}: stage"),
        weeks=_int_or_none(data.get("weeks"), f"{code}: weeks"),
        window=_enum(Window, data.get("window", Window.YEAR_TO_DATE.value), f"{code}: window"),
        cadence=_enum(Cadence, data.get("cadence", Cadence.DAILY.value), f"{code}: cadence"),
        from_stage=_int_or_none(data.get("from_stage"), f"{code}: from stage"),
        title=str(data.get("title") or ""),
    )


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{what} is missing")
    return value


def _int_or_none(value: object, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PolicyError(f"{what} must be a whole number")
    try:
        return int(str(value))
    except ValueError:
        raise PolicyError(f"{what} must be a whole number, not {value!r}") from None


def _enum(cls, value: object, what: str):
    try:
        return cls(value)
    except ValueError:
        raise PolicyError(f"{what} {value!r} is not one of {', '.join(m.value for m in cls)}") from None
