"""Benchmark: attendance statistics for every pupil of a large trust, against bare SQL over the same marks.

    .venv/bin/python bench/stats.py [--pupils 10000] [--runs 3] [--rebuild] [--keep | --drop]

Builds (once) a trust of N pupils in schools of about 1,000, with the 2025/26 calendar and a mark for every pupil,
every school day, AM and PM, in a database of its own (`omega_bench`); then times
registers.attendance.school_statistics for every school of the trust against one GROUP BY over registers_mark.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench"
YEAR = 2025  # the academic year of marks: 2025/26, a full one
PUPILS_PER_SCHOOL = 1000
SEED = "omega-bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=10_000, help="pupils in the trust (default 10,000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each query; the best counts (default 3)")
    parser.add_argument("--database", default="omega_bench", help="the database to build in (default omega_bench)")
    parser.add_argument("--rebuild", action="store_true", help="empty the bench database and load it again")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", action="store_true", help="keep the bench database for the next run (the default)")
    kept.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args()
    if args.pupils < 1 or args.runs < 1:
        parser.error("--pupils and --runs must be positive")
    if "bench" not in args.database:
        # The database is emptied on --rebuild: refuse any name that could be someone's real data.
        parser.error("--database must have 'bench' in its name")
    return args


def use_database(name: str) -> None:
    """Point Django at `name` on the same server: DATABASE_URL with its name swapped, else the embedded server."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        os.environ["OMEGA_DB_NAME"] = name  # the embedded server creates it on start
        return
    parts = urlsplit(url)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    import psycopg

    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    args = parse_args()
    use_database(args.database)
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "omega_attendance.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    trust = prepare(args)
    measure(trust, args.runs)
    if args.drop:
        drop_database(args.database)


def prepare(args: argparse.Namespace):
    """The bench trust with `args.pupils` pupils, loading it unless it is already there at that size."""
    from django.core.management import call_command

    from schools.models import Pupil, Trust

    # The bench database holds one trust only; looking it up without a tenant is the point.
    trust = Trust.objects.filter(slug=SLUG).first()
    if trust and not args.rebuild and Pupil.objects.for_trust(trust).count() == args.pupils:
        print(f"Using the {args.pupils:,} pupils already in {args.database} (--rebuild to load again).")
        return trust
    if trust or args.rebuild:
        print(f"Emptying {args.database}…")
        call_command("flush", interactive=False, verbosity=0)
    return load(args.pupils)


def load(pupils: int):
    import pgtrigger
    from django.db import connection, transaction
    from django.utils import timezone

    from schools import synthetic
    from schools.models import School, SchoolDay, Trust

    started = time.monotonic()
    school_count = max(1, math.ceil(pupils / PUPILS_PER_SCHOOL))
    with transaction.atomic():
        trust = Trust.objects.create(slug=SLUG, name=f"Benchmark Trust ({pupils:,} pupils)")
        plans = []
        for i, size in enumerate(synthetic.spread(pupils, school_count)):
            secondary = i % 2 == 1
            school = School.objects.create(
                trust=trust,
                urn=f"{900000 + i}",
                name=f"Bench {'High' if secondary else 'Primary'} School {i + 1}",
                phase=School.Phase.SECONDARY if secondary else School.Phase.PRIMARY,
            )
            synthetic.create_calendar(school, [YEAR])
            year_groups = tuple(map(str, range(7, 12))) if secondary else ("R", *map(str, range(1, 7)))
            plans.append(
                synthetic.SchoolPlan(
                    school=school,
                    year_groups=year_groups,
                    pupils=size,
                    la_code=330,
                    establishment=(4000 if secondary else 2000) + i,
                    area=(("Bench Town", "BT1"),),
                    post_town="Bench Town",
                )
            )
        pupil_plans = synthetic.create_pupils(trust, plans, year=YEAR, seed=SEED, movers=False, contacts=False)
    print(f"Created {len(pupil_plans):,} pupils in {school_count} schools ({time.monotonic() - started:.1f}s)")

    by_school = synthetic.group_plans_by_school(pupil_plans)
    first, last = synthetic.first_school_day(YEAR), synthetic.last_school_day(YEAR)
    recorded_at = timezone.now()
    marks, load_started = 0, time.monotonic()
    for plan in plans:
        school = plan.school
        days = SchoolDay.objects.for_trust(trust).filter(school=school).values_list("date", flat=True)
        year = synthetic.school_year(school, YEAR, days, SEED)
        rows = synthetic.marks_for_school(by_school[school.pk], [year], seed=SEED, since=first, until=last)
        # History would hold one insert event per mark, doubling the load for nothing the benchmark reads.
        with transaction.atomic(), pgtrigger.ignore("registers.Mark:insert_insert"):
            marks += synthetic.copy_marks(rows, recorded_at=recorded_at, reason="Benchmark", immediate_checks=False)
        elapsed = time.monotonic() - load_started
        print(f"  {school.name}: {marks:,} marks so far, {elapsed:.0f}s, {marks / elapsed:,.0f} marks/s", flush=True)
    elapsed = time.monotonic() - load_started
    print(f"Loaded {marks:,} marks in {elapsed:.1f}s ({marks / elapsed:,.0f} marks/s)")
    with connection.cursor() as cursor:
        started = time.monotonic()
        cursor.execute("VACUUM ANALYZE registers_mark")
        print(f"VACUUM ANALYZE registers_mark: {time.monotonic() - started:.1f}s")
    return trust


BARE_SQL = """
SELECT pupil_id,
       count(*) FILTER (WHERE code = ANY(%(possible)s)) AS possible,
       count(*) FILTER (WHERE code = ANY(%(present)s)) AS present,
       count(*) FILTER (WHERE code = ANY(%(approved)s)) AS approved_activity,
       count(*) FILTER (WHERE code = ANY(%(authorised)s)) AS authorised,
       count(*) FILTER (WHERE code = ANY(%(unauthorised)s)) AS unauthorised,
       count(*) FILTER (WHERE code = ANY(%(late)s)) AS late
FROM registers_mark
WHERE trust_id = %(trust)s AND date BETWEEN %(start)s AND %(end)s
GROUP BY pupil_id
"""


def measure(trust, runs: int) -> None:
    from django.db import connection

    from registers import codes as C
    from registers.attendance import school_statistics
    from registers.models import Mark
    from registers.statistics import SessionCounts, total
    from schools.models import School

    schools = list(School.objects.for_trust(trust))
    start, end = dt.date(YEAR, 8, 1), dt.date(YEAR + 1, 7, 31)
    marks = Mark.objects.for_trust(trust).between(start, end).count()
    params = {
        "possible": sorted(C.POSSIBLE),
        "present": sorted(C.PRESENT),
        "approved": sorted(C.APPROVED_ACTIVITY),
        "authorised": sorted(C.AUTHORISED),
        "unauthorised": sorted(C.UNAUTHORISED),
        "late": sorted(C.LATE),
        "trust": trust.pk,
        "start": start,
        "end": end,
    }

    def statistics() -> SessionCounts:
        return total(school_statistics(school, start, end).totals for school in schools)

    def bare_sql() -> SessionCounts:
        with connection.cursor() as cursor:
            cursor.execute(BARE_SQL, params)
            return total(SessionCounts(*row[1:]) for row in cursor.fetchall())

    where = f"{len(schools)} schools" if len(schools) > 1 else "one school"
    print(f"\n{trust.name}: {where}, {marks:,} marks from {start} to {end}")
    results = {}
    for label, run in (("school_statistics, every school", statistics), ("bare SQL GROUP BY pupil_id", bare_sql)):
        figures = run()  # warm-up: caches, plans, the ORM's first queries
        best = min(_timed(run) for _ in range(runs))
        results[label] = (best, figures)
        print(f"  {label:<34} best of {runs}: {best:7.3f}s  {marks / best:>14,.0f} marks/s")
    (django_best, django_figures), (sql_best, sql_figures) = results.values()
    print(f"  ratio (school_statistics / bare SQL): {django_best / sql_best:.2f}x")
    agree = "agree" if django_figures == sql_figures else "DIFFER"
    print(
        f"  the two {agree}: {django_figures.possible:,} possible sessions, attendance {django_figures.attendance_pct}%"
    )


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    connection.close()
    conninfo = {"dbname": "postgres", "user": settings["USER"], "host": settings["HOST"]}
    if settings.get("PORT"):
        conninfo["port"] = settings["PORT"]
    if settings.get("PASSWORD"):
        conninfo["password"] = settings["PASSWORD"]
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    print(f"Dropped {name}.")


if __name__ == "__main__":
    main()
