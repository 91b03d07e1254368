"""Benchmark: the nightly graduated-response run for every school of a large trust, against the bare statistics query.

    .venv/bin/python bench/evaluate.py [--pupils 10000] [--runs 3] [--rebuild] [--keep | --drop]

Uses the same trust as bench/stats.py (built once in `omega_bench` from the synthetic generator: schools of about
1,000 pupils, a full 2025/26 year of marks). Times interventions.engine.commit_school for every school on the last
school day of the year (each run inside a transaction that is rolled back, so every run does the whole job: facts
from SQL, the policy, cases and proposals written), then the evaluation alone (nothing written), against one bare
GROUP BY over the same marks.
See bench/README.md.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stats  # noqa: E402


class Rollback(Exception):
    pass


def measure(trust, runs: int) -> None:
    from django.db import connection, transaction
    from django.db.models import Count

    from interventions.engine import commit_school, evaluate_school
    from interventions.models import Proposal
    from registers import codes as C
    from schools.models import School, SchoolDay

    schools = list(School.objects.for_trust(trust).select_related("trust").order_by("pk"))
    days = SchoolDay.objects.for_trust(trust).filter(school=schools[0])
    on = days.order_by("-date").values_list("date", flat=True)[0]
    start = dt.date(stats.YEAR, 8, 1)
    params = {
        "possible": sorted(C.POSSIBLE),
        "present": sorted(C.PRESENT),
        "approved": sorted(C.APPROVED_ACTIVITY),
        "authorised": sorted(C.AUTHORISED),
        "unauthorised": sorted(C.UNAUTHORISED),
        "late": sorted(C.LATE),
        "trust": trust.pk,
        "start": start,
        "end": on,
    }

    def nightly() -> dict[str, int]:
        counts: dict[str, int] = {}
        try:
            with transaction.atomic():
                for school in schools:
                    commit_school(school, on)
                counts = dict(Proposal.objects.for_trust(trust).values_list("category").annotate(n=Count("pk")))
                raise Rollback
        except Rollback:
            pass
        return counts

    def evaluation_only() -> int:
        from interventions.policies import in_force

        return sum(len(evaluate_school(school, on, in_force(school)[1]).evaluations) for school in schools)

    def bare_sql() -> int:
        with connection.cursor() as cursor:
            cursor.execute(stats.BARE_SQL, params)
            return len(cursor.fetchall())

    where = f"{len(schools)} schools" if len(schools) > 1 else "one school"
    print(f"\n{trust.name}: {where}, the run of {on}")
    proposals = nightly()  # warm-up, and the proposals it makes
    print(f"  proposals per category: {', '.join(f'{k} {v:,}' for k, v in sorted(proposals.items()))}")
    night = min(stats._timed(nightly) for _ in range(runs))
    reading = min(stats._timed(evaluation_only) for _ in range(runs))
    bare = min(stats._timed(bare_sql) for _ in range(runs))
    print(f"  nightly run, every school (commit_school)  best of {runs}: {night:7.3f}s")
    print(f"  of which evaluation, nothing written       best of {runs}: {reading:7.3f}s")
    print(f"  bare SQL GROUP BY pupil_id (year to date)  best of {runs}: {bare:7.3f}s")
    print(f"  ratio (nightly run / bare SQL): {night / bare:.2f}x; per school: {night / len(schools):.2f}s")


def main() -> None:
    args = stats.parse_args()
    stats.use_database(args.database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "omega_attendance.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    trust = stats.prepare(args)
    measure(trust, args.runs)
    if args.drop:
        stats.drop_database(args.database)


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"({time.monotonic() - started:.0f}s in all)")
