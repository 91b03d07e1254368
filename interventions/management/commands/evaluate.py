import datetime as dt
import enum
import json
from collections.abc import Mapping
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from interventions.facts import due_on, facts_for_school, policy_for
from interventions.thresholds import Proposal, evaluate
from schools.models import Pupil, School

# Evidence keys that name the rule and policy rather than the pupil's figures; the table leaves them out.
RULE_KEYS = frozenset({"rule", "kind", "threshold", "weeks", "window", "from_stage", "policy", "version"})


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from e


def json_safe(value: object) -> object:
    """Evidence as plain JSON values: Decimals as strings, dates as ISO strings, enums as their values."""
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


def action_of(proposal: Proposal) -> str:
    """The proposal's first action as `kind:code`, e.g. "letter:LON3" or "penalty_notice:consider"."""
    if not proposal.actions:
        return ""
    first = proposal.actions[0]
    return f"{first.kind.value}:{first.code}"


class Command(BaseCommand):
    help = (
        "Evaluate the trust's attendance policy for every pupil on a school's roll on a day and print what it "
        "proposes. Nothing is recorded."
    )

    def add_arguments(self, parser):
        parser.add_argument("urn")
        parser.add_argument(
            "--on", dest="day", type=_date, help="evaluate as on this date, YYYY-MM-DD (default: today)"
        )
        parser.add_argument("--json", dest="as_json", action="store_true", help="print JSON instead of a table")
        parser.add_argument("--commit", action="store_true", help="record the proposals (not available yet)")

    def handle(self, urn, day=None, as_json=False, commit=False, **options):
        if commit:
            raise CommandError(
                "--commit is not available: proposals cannot be recorded until pupils' cases exist. "
                "Run without --commit to see the proposals."
            )
        # A command runs for the whole installation: the school's trust is the scope.
        school = School.objects.all_trusts().filter(urn=urn).select_related("trust").first()
        if school is None:
            raise CommandError(f"no school with URN {urn}")
        day = day or timezone.localdate()
        try:
            policy = policy_for(school.trust)
        except ValueError as e:
            raise CommandError(str(e)) from e
        facts = facts_for_school(school, day, policy)
        due = due_on(school, day)
        pupils = (
            Pupil.objects.for_trust(school.trust)
            .filter(pk__in=list(facts))
            .order_by("legal_surname", "legal_forename", "pk")
        )
        rows = [(pupil, p) for pupil in pupils for p in evaluate(policy, facts[pupil.pk], due).proposals]
        if as_json:
            self.stdout.write(json.dumps(_as_json(school, day, rows), indent=2))
        else:
            self._table(school, day, policy, len(facts), rows)

    def _table(self, school, day, policy, on_roll, rows):
        self.stdout.write(f"{school.name} (URN {school.urn}) on {day}: {policy.name}, version {policy.version}")
        self.stdout.write(f"{'UPN':<14} {'Name':<24} {'Rule':<28} {'Stage':>5} {'Action':<30} {'Letter':<16} Figures")
        for pupil, p in rows:
            figures = ", ".join(f"{k} {v}" for k, v in json_safe(p.evidence).items() if k not in RULE_KEYS)
            self.stdout.write(
                f"{pupil.upn:<14} {pupil.display_name[:24]:<24} {p.rule:<28} {_or_dash(p.stage):>5} "
                f"{action_of(p):<30} {_or_dash(p.letter):<16} {figures}"
            )
        self.stdout.write(f"{_plural(len(rows), 'proposal')} for {_plural(on_roll, 'pupil')} on roll")


def _as_json(school, day, rows) -> dict:
    return {
        "school": school.urn,
        "on": day.isoformat(),
        "proposals": [
            {
                "upn": pupil.upn,
                "rule": p.rule,
                "stage": p.stage,
                "action": action_of(p),
                "letter": p.letter,
                "evidence": json_safe(p.evidence),
            }
            for pupil, p in rows
        ],
    }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _or_dash(value) -> str:
    return "-" if value is None else str(value)
