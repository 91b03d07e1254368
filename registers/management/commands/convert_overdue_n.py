import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registers.tasks import convert_overdue_n_marks
from schools.models import School


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from e


class Command(BaseCommand):
    help = (
        "Turn N marks with no reason within the school's limit of school days into O, for one school (by URN) or "
        "every school, as the nightly task does. Running it twice changes nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument("urn", nargs="?", help="the school's URN (default: every school)")
        parser.add_argument("--on", dest="day", type=_date, help="run as on this date, YYYY-MM-DD (default: today)")

    def handle(self, urn=None, day=None, **options):
        day = day or timezone.localdate()
        # A command runs for the whole installation; each school is converted within its own trust.
        schools = School.objects.all_trusts().order_by("name")
        if urn:
            schools = schools.filter(urn=urn)
            if not schools.exists():
                raise CommandError(f"no school with URN {urn}")
        for school in schools:
            # Run in this process, not through the broker, so the operator sees the result.
            result = convert_overdue_n_marks(school.trust_id, school.pk, day.isoformat())
            if result["cutoff"] is None:
                line = "too few school days so far for any N to be overdue"
            else:
                line = f"{result['converted']} N marks up to {result['cutoff']} became O"
            self.stdout.write(f"{school.name} ({school.urn}): {line}")
