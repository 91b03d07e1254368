import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from interventions.engine import commit_school, dry_run, json_safe
from interventions.models import Proposal
from interventions.policies import in_force
from interventions.thresholds import PolicyError
from schools.models import Pupil, School

# Evidence keys that name the rule and policy rather than the pupil's figures; the table leaves them out.
RULE_KEYS = frozenset({"rule", "kind", "threshold", "weeks", "window", "from_stage", "policy", "version"})


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from e


def _row(pupil, rule, stage, actions, letter, evidence) -> dict:
    first = actions[0] if actions else None
    return {
        "upn": pupil.upn,
        "rule": rule,
        "stage": stage,
        "action": f"{first['kind']}:{first['code']}" if first else "",
        "letter": letter or None,
        # The figures that triggered it; the sessions behind them are on the proposal's page.
        "evidence": {k: v for k, v in json_safe(evidence).items() if k != "sessions"},
    }


class Command(BaseCommand):
    help = (
        "Evaluate the policy in force for every pupil on a school's roll on a day and print what it proposes. "
        "Nothing is recorded unless --commit is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("urn")
        parser.add_argument(
            "--on", dest="day", type=_date, help="evaluate as on this date, YYYY-MM-DD (default: today)"
        )
        parser.add_argument("--json", dest="as_json", action="store_true", help="print JSON instead of a table")
        parser.add_argument(
            "--commit",
            action="store_true",
            help="record the proposals, as the nightly run does (once per school and day)",
        )

    def handle(self, urn, day=None, as_json=False, commit=False, **options):
        # A command runs for the whole installation: the school's trust is the scope.
        school = School.objects.all_trusts().filter(urn=urn).select_related("trust").first()
        if school is None:
            raise CommandError(f"no school with URN {urn}")
        day = day or timezone.localdate()
        try:
            version, policy = in_force(school)
        except PolicyError as e:
            raise CommandError(str(e)) from e
        if commit:
            run = commit_school(school, day)
            if run is None:
                self.stderr.write(f"{school.name} was already evaluated on {day}: showing the proposals recorded then")
            rows, on_roll = self._recorded(school, day)
        else:
            rows, on_roll = self._proposed(school, day, policy)
        if as_json:
            out = {"school": school.urn, "on": day.isoformat(), "proposals": [row for _, row in rows]}
            self.stdout.write(json.dumps(out, indent=2))
        else:
            self._table(school, day, version, on_roll, rows)

    def _proposed(self, school, day, policy):
        evaluations = dry_run(school, day, policy)
        pupils = _by_name(Pupil.objects.for_trust(school.trust).filter(pk__in=list(evaluations)))
        rows = []
        for pupil in pupils:
            for p in evaluations[pupil.pk].proposals:
                actions = [{"kind": a.kind.value, "code": a.code} for a in p.actions]
                rows.append((pupil, _row(pupil, p.rule, p.stage, actions, p.letter, p.evidence)))
        return rows, len(evaluations)

    def _recorded(self, school, day):
        proposals = (
            Proposal.objects.for_trust(school.trust)
            .filter(school=school, evaluated_on=day)
            .select_related("pupil")
            .order_by("pupil__legal_surname", "pupil__legal_forename", "pupil", "pk")
        )
        run = school.evaluation_runs.filter(on=day).first()
        rows = [(p.pupil, _row(p.pupil, p.rule, p.stage, p.actions, p.letter, p.evidence)) for p in proposals]
        return rows, run.pupils if run else 0

    def _table(self, school, day, version, on_roll, rows):
        self.stdout.write(f"{school.name} (URN {school.urn}) on {day}: {version}")
        self.stdout.write(f"{'UPN':<14} {'Name':<24} {'Rule':<28} {'Stage':>5} {'Action':<30} {'Letter':<16} Figures")
        for pupil, row in rows:
            figures = ", ".join(f"{k} {v}" for k, v in row["evidence"].items() if k not in RULE_KEYS)
            self.stdout.write(
                f"{row['upn']:<14} {pupil.display_name[:24]:<24} {row['rule']:<28} {_or_dash(row['stage']):>5} "
                f"{row['action']:<30} {_or_dash(row['letter']):<16} {figures}"
            )
        self.stdout.write(f"{_plural(len(rows), 'proposal')} for {_plural(on_roll, 'pupil')} on roll")


def _by_name(pupils):
    return pupils.order_by("legal_surname", "legal_forename", "pk")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _or_dash(value) -> str:
    return "-" if value is None else str(value)
