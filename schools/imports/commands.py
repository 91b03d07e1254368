"""The shape every import command shares: `manage.py import_<kind> URN FILE [--dry-run]`, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schools.models import School

from .kinds import KINDS


def school_by_urn(urn: str) -> School:
    # A command runs for the whole installation, so it finds the school in any trust; the school's trust then
    # scopes everything the import reads and writes.
    school = School.objects.all_trusts().filter(urn=urn).select_related("trust").first()
    if school is None:
        raise CommandError(f"no school has URN {urn}")
    return school


class ImportCommand(BaseCommand):
    kind: str
    file_help = "the CSV file (UTF-8, header row first)"

    def add_arguments(self, parser):
        parser.add_argument("urn", help="the school's URN")
        parser.add_argument("file", help=self.file_help)
        parser.add_argument("--dry-run", action="store_true", help="check the file and show what would change")

    def handle(self, urn: str, file: str, dry_run: bool = False, **options):
        school = school_by_urn(urn)
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as e:
            raise CommandError(f"cannot read {file}: {e.strerror}") from e
        module = KINDS[self.kind]
        parsed = module.parse(school, path.name, content)
        if parsed.errors:
            lines = [str(e) for e in parsed.errors]
            raise CommandError(
                f"{path.name} has {len(lines)} error{'s'[: len(lines) != 1]}; nothing was saved.\n" + "\n".join(lines)
            )
        if dry_run:
            preview = module.preview(school, parsed.rows)
            self.stdout.write(f"{path.name}: {len(parsed.rows)} rows for {school.name}; nothing saved (--dry-run)")
            for outcome, count in preview.counts.items():
                self.stdout.write(f"  {outcome}: {count}")
            for line in preview.sample:
                self.stdout.write(f"  {line}")
            return
        summary = module.apply(school, parsed.rows, filename=path.name)
        self.stdout.write(self.style.SUCCESS(f"{path.name} into {school.name}: {summary}"))
