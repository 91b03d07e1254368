"""`load_demo`: the Omega and Waterton demonstration trusts, with pupils, calendars, logins and a year of marks."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from schools import demo


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class Command(BaseCommand):
    help = (
        "Load the demo trusts (Omega MAT, three schools; Waterton, one primary) with marks from the start of last "
        "academic year to yesterday. Does nothing if they are already there, unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--until", type=_date, help="last day with marks, YYYY-MM-DD (default: yesterday)")
        parser.add_argument(
            "--pupils", type=int, default=demo.FULL_SIZE, help=f"Omega pupils on roll (default {demo.FULL_SIZE})"
        )
        parser.add_argument("--weeks", type=int, help="only the last WEEKS weeks of marks (default: since last Sept)")
        parser.add_argument("--small", action="store_true", help="about 60 pupils and 4 weeks of marks, for tests")
        parser.add_argument("--reset", action="store_true", help="delete both demo trusts first, then load")

    def handle(self, *, until, pupils, weeks, small, reset, **options):
        if small:
            pupils, weeks = 60, weeks or 4
        if pupils < 1 or (weeks is not None and weeks < 1):
            raise CommandError("--pupils and --weeks must be positive")
        try:
            demo.load_demo(until=until, pupils=pupils, weeks=weeks, reset=reset, progress=self.stdout.write)
        except ValueError as e:
            raise CommandError(str(e)) from e
