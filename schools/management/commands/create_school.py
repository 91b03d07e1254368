import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from schools.imports import cells
from schools.models import School, Trust

URN = re.compile(r"\d{6,8}")


def _time(value: str) -> dt.time:
    try:
        return cells.time_of_day(value)
    except ValueError as e:
        raise CommandError(str(e)) from e


def _later(time: dt.time, minutes: int) -> dt.time:
    return (dt.datetime.combine(dt.date.min, time) + dt.timedelta(minutes=minutes)).time()


class Command(BaseCommand):
    help = (
        "Create a school in a trust: `create_school TRUST_SLUG URN --name NAME --phase PHASE` and, optionally, "
        "its register times."
    )

    def add_arguments(self, parser):
        parser.add_argument("trust_slug")
        parser.add_argument("urn", help="the school's URN (6 digits)")
        parser.add_argument("--name", required=True)
        parser.add_argument("--phase", required=True, choices=School.Phase.values)
        parser.add_argument("--day-starts", help="HH:MM, when the morning register opens (default 08:45)")
        parser.add_argument(
            "--registers-close", help="HH:MM (default: 30 minutes after the day starts, the Omega Charter's limit)"
        )
        parser.add_argument("--late-until", help="HH:MM, L before this and U after it (default: when registers close)")
        parser.add_argument(
            "--local-code",
            action="append",
            default=[],
            metavar="SUB=CODE",
            help="a school sub-code and the statutory code it maps to, e.g. I01=I (repeat for more)",
        )

    def handle(self, trust_slug, urn, name, phase, day_starts=None, registers_close=None, late_until=None, **options):
        trust = Trust.objects.filter(slug=trust_slug).first()
        if trust is None:
            raise CommandError(f"no trust has slug {trust_slug!r}; create it first with create_trust")
        if not URN.fullmatch(urn):
            raise CommandError(f"{urn!r} is not a URN (6 digits)")
        if not name.strip():
            raise CommandError("--name is empty")
        # URNs are unique across the installation (they are the DfE's), so the check looks at every trust.
        if existing := School.objects.all_trusts().filter(urn=urn).select_related("trust").first():
            raise CommandError(f"URN {urn} is already {existing.name} in {existing.trust}; nothing was changed")
        starts = _time(day_starts) if day_starts else School._meta.get_field("day_starts").default
        closes = _time(registers_close) if registers_close else _later(starts, 30)
        late = _time(late_until) if late_until else closes
        if not starts <= closes <= late:
            raise CommandError(
                f"the times must run in order: day starts {starts:%H:%M} <= registers close {closes:%H:%M} "
                f"<= late until {late:%H:%M}"
            )
        local_codes = _local_codes(options.get("local_code") or [])
        school = School.objects.create(
            local_codes=local_codes,
            trust=trust,
            urn=urn,
            name=name.strip(),
            phase=phase,
            day_starts=starts,
            registers_close=closes,
            late_until=late,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {school.name} (URN {school.urn}) in {trust.name}: day starts {starts:%H:%M}, "
                f"registers close {closes:%H:%M}, late until {late:%H:%M}"
            )
        )


def _local_codes(pairs: list[str]) -> dict[str, str]:
    """{"I01": "I"} from ["I01=I"]; CommandError naming the pair for anything that is not a sub-code of a DfE code."""
    from registers import codes

    local = {}
    for pair in pairs:
        sub, sep, statutory = pair.partition("=")
        if not sep:
            raise CommandError(f"--local-code {pair!r}: write it as SUB=CODE, e.g. I01=I")
        local[sub.strip().upper()] = statutory.strip().upper()
    try:
        codes.check_local_codes(local)
    except codes.UnknownCode as e:
        raise CommandError(f"--local-code: {e}") from e
    return local
