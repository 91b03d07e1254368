"""Install a new set of national and local comparison figures from a JSON or CSV file (dashboards.comparison)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dashboards import comparison


class Command(BaseCommand):
    help = (
        "Check a file of comparison figures (JSON, or CSV with the columns area, area_name, schools, phase, "
        "characteristic, academic_year, period, measure, value, source, url) and install it for the dashboards. "
        "Nothing is written unless every row is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--merge", action="store_true", help="keep the installed figures that the file does not replace"
        )
        parser.add_argument("--check", action="store_true", help="only check the file; install nothing")

    def handle(self, file: Path, merge: bool = False, check: bool = False, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise CommandError(f"cannot read {file}: {e}") from e
        try:
            figures = comparison.parse(comparison.rows_from_text(text, file.name))
        except comparison.ComparisonFiguresError as e:
            raise CommandError(f"{file} was not installed:\n  " + "\n  ".join(e.problems)) from e
        if check:
            self.stdout.write(f"{file}: {len(figures)} figures, all valid (not installed)")
            return
        installed = comparison.install(figures, merge=merge)
        releases = sorted({(f.area_name, f.year_label, comparison.PERIODS[f.period]) for f in figures})
        self.stdout.write(
            self.style.SUCCESS(f"Installed {len(installed)} figures at {comparison.figures_path()}")
            + "".join(f"\n  {area} {year} {period}" for area, year, period in releases)
        )
