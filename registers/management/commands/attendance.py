import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from registers.attendance import school_statistics, year_to_date
from registers.attendance_json import statistics_json
from schools.models import School


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from e


class Command(BaseCommand):
    help = "Attendance statistics for every pupil of a school over a window (default: the academic year to date)."

    def add_arguments(self, parser):
        parser.add_argument("urn")
        parser.add_argument("--from", dest="start", type=_date)
        parser.add_argument("--to", dest="end", type=_date)
        parser.add_argument("--json", dest="as_json", action="store_true", help="print JSON instead of a table")

    def handle(self, urn, start, end, as_json: bool = False, **options):
        # A command runs for the whole installation: the school's trust is the scope.
        school = School.objects.all_trusts().filter(urn=urn).select_related("trust").first()
        if school is None:
            raise CommandError(f"no school with URN {urn}")
        default_start, default_end = year_to_date(dt.date.today())
        start, end = start or default_start, end or default_end
        if start > end:
            raise CommandError(f"--from {start} is after --to {end}")
        stats = school_statistics(school, start, end)
        if as_json:
            self.stdout.write(json.dumps(statistics_json(stats), indent=2))
        else:
            self._table(stats)

    def _table(self, stats):
        t = stats.totals
        self.stdout.write(f"{stats.school.name} (URN {stats.school.urn}), {stats.start} to {stats.end}")
        self.stdout.write(
            f"{'UPN':<14} {'Name':<28} {'Poss':>5} {'Pres':>5} {'AEA':>4} {'Auth':>5} {'Unau':>5} {'Late':>5} "
            f"{'Att %':>6}  PA SA"
        )
        for row in stats.pupils:
            c = row.counts
            self.stdout.write(
                f"{row.pupil.upn:<14} {row.pupil.display_name[:28]:<28} {c.possible:>5} {c.present:>5} "
                f"{c.approved_activity:>4} {c.authorised:>5} {c.unauthorised:>5} {c.late:>5} "
                f"{_pct(c.attendance_pct):>6}  {'PA' if c.persistent else '  '} {'SA' if c.severe else ''}"
            )
        self.stdout.write(
            f"{'School':<43} {t.possible:>5} {t.present:>5} {t.approved_activity:>4} {t.authorised:>5} "
            f"{t.unauthorised:>5} {t.late:>5} {_pct(t.attendance_pct):>6}"
        )


def _pct(value) -> str:
    return "-" if value is None else str(value)
