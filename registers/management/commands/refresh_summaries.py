import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registers import summaries
from schools.calendar import academic_year
from schools.models import School


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from e


class Command(BaseCommand):
    help = (
        "Recount the dashboards' summaries (pupil weeks and day code counts) from the marks, for one school or all, "
        "from --since (default: 1 August of this academic year) to --until (default: today)."
    )

    def add_arguments(self, parser):
        parser.add_argument("urn", nargs="?", help="one school's URN (default: every school)")
        parser.add_argument("--since", type=_date)
        parser.add_argument("--until", type=_date)

    def handle(self, urn=None, since=None, until=None, **options):
        until = until or timezone.localdate()
        since = since or dt.date(academic_year(until), 8, 1)
        if since > until:
            raise CommandError("--since is after --until")
        # A command runs for the whole installation: every trust's schools, or the one named.
        schools = School.objects.all_trusts().select_related("trust").order_by("urn")
        if urn:
            schools = schools.filter(urn=urn)
            if not schools.exists():
                raise CommandError(f"no school with URN {urn}")
        for school in schools:
            rows = summaries.refresh(school, since, until)
            self.stdout.write(f"{school.name} (URN {school.urn}): {rows:,} pupil weeks from {since} to {until}")
