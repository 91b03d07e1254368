import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy.models import RetentionRun
from privacy.retention import anonymise_before
from privacy.services import apply_retention
from schools.models import Trust


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from e


class Command(BaseCommand):
    help = (
        "Anonymise the personal data of pupils who left more than their trust's retention period ago (at least six "
        "years), as the nightly task does, for one trust or every trust. Marks and statistics stay as they are; "
        "running it twice changes nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--trust", help="the trust's slug (default: every trust)")
        parser.add_argument("--on", dest="day", type=_date, help="measure back from this date (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="list who is due; change nothing")

    def handle(self, trust=None, day=None, dry_run=False, **options):
        day = day or timezone.localdate()
        trusts = Trust.objects.order_by("slug")
        if trust:
            trusts = trusts.filter(slug=trust)
            if not trusts.exists():
                raise CommandError(f"no trust with slug {trust!r}")
        for each in trusts:
            result = apply_retention(each, day, source=RetentionRun.Source.COMMAND, dry_run=dry_run)
            before = anonymise_before(result.on, result.years)
            heading = f"{each.name} ({each.slug}): pupils who left before {before.isoformat()}"
            held = f"; {len(result.held_back)} held back by register entries under six years old"
            if dry_run:
                ids = ", ".join(str(i) for i in result.due) or "none"
                self.stdout.write(f"{heading}: {len(result.due)} due (dry run, nothing changed): {ids}{held}")
                continue
            c = result.counts
            self.stdout.write(
                f"{heading}: {c['pupils']} anonymised, {c['contacts_deleted']} contacts deleted, "
                f"{c['contacts_scrubbed']} emptied, {c['letters']} letters' PDFs removed{held} (run {result.run.pk})"
            )
