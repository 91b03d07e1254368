"""How long the server takes to save a whole 30-pupil register.

    .venv/bin/python bench/registers.py [--runs 50] [--beside omega_bench_dashboards]

Builds one school with a 30-pupil registration group and its teacher in a database of its own,
omega_bench_registers (on the embedded server when DATABASE_URL is unset, else on DATABASE_URL's server with the
database name swapped), emptied at every start; or, with `--beside NAME`, in another bench database, left as it
is, so that the register is saved into a marks table and summaries the size of a large trust's. Then, signed in as
the teacher, it posts the whole register form through Django's test Client (every middleware, the view, the form,
the save and the redirect) and times each post.
The codes alternate between runs, so every run really corrects 30 marks. Prints the median and the 95th percentile.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE = "omega_bench_registers"
PUPILS = 30
# Two registers that differ for every pupil, so that each run writes 30 corrections.
ALL_PRESENT = [("/", "")] * PUPILS
EXCEPTIONS = [(("N", ""), ("I", ""), ("M", ""), ("L", "5"))[n % 4] for n in range(PUPILS)]


def use_bench_database(name: str = DATABASE) -> str:
    """Point the settings at the bench database `name` (created if missing); return a description of it."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        os.environ["OMEGA_DB_NAME"] = name  # the embedded server creates it on start
        return f"{name} on the embedded PostgreSQL"
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    return f"{name} on {parts.hostname or 'localhost'}"


def build_school(tag: str = ""):
    """A trust, a school whose half-term runs around today, group 5A with 30 pupils, and its teacher.

    `tag` keeps the trust, school and teacher apart from those of earlier runs in a database that is not emptied.
    """
    from django.contrib.auth import get_user_model

    from schools.models import Enrolment, HalfTerm, Membership, Pupil, RegistrationGroup, Role, School, Trust
    from schools.services import rebuild_school_days

    today = dt.date.today()
    day = today - dt.timedelta(days=max(0, today.weekday() - 4))  # today, or Friday at a weekend
    trust = Trust.objects.create(slug=f"bench-registers{tag}", name="Bench Trust")
    school = School.objects.create(
        trust=trust, urn=f"9{tag[-6:]}" if tag else "999001", name="Bench Primary", phase=School.Phase.PRIMARY
    )
    HalfTerm.objects.create(
        trust=trust, school=school, name="This half-term", starts=day - dt.timedelta(days=28), ends=day
    )
    rebuild_school_days(school)
    teacher = get_user_model().objects.create_user(f"bench-teacher{tag}", password="bench teacher password")
    Membership.objects.create(user=teacher, trust=trust)
    Role.objects.create(trust=trust, user=teacher, kind=Role.Kind.TEACHER, school=school)
    group = RegistrationGroup.objects.create(trust=trust, school=school, name="5A", year_group="5")
    group.tutors.add(teacher)
    pupils = Pupil.objects.bulk_create(
        Pupil(
            trust=trust,
            upn=f"B{n:012d}",
            legal_surname=f"Surname{n:02d}",
            legal_forename=f"Pupil{n:02d}",
            date_of_birth=dt.date(2016, 1, 1),
            gender=Pupil.Gender.FEMALE,
            year_group="5",
            group=group,
        )
        for n in range(PUPILS)
    )
    Enrolment.objects.bulk_create(
        Enrolment(trust=trust, pupil=p, school=school, starts=day - dt.timedelta(days=60)) for p in pupils
    )
    return teacher, group, pupils, day


def register_form(pupils, codes) -> dict[str, str]:
    data = {"reason": "Corrected from the paper register"}
    for pupil, (code, minutes) in zip(pupils, codes, strict=True):
        prefix = f"p{pupil.pk}"
        data |= {
            f"{prefix}-code": code,
            f"{prefix}-minutes_late": minutes,
            f"{prefix}-note": "",
            f"{prefix}-reason": "",
        }
    return data


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed saves (default 50)")
    parser.add_argument("--beside", metavar="NAME", help="build in this bench database, keeping what it holds")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.beside is not None and "bench" not in args.beside:
        parser.error("--beside must name a database with 'bench' in its name")

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omega_attendance.settings")
    where = use_bench_database(args.beside or DATABASE)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from registers.models import Mark

    call_command("migrate", verbosity=0)
    if args.beside:
        teacher, group, pupils, day = build_school(tag=f"-{int(time.time()) % 1_000_000:06d}")
    else:
        call_command("flush", interactive=False, verbosity=0)  # this database is the benchmark's alone
        teacher, group, pupils, day = build_school()
    url = reverse("registers:take_register", kwargs={"group_id": group.pk, "day": day, "session": "AM"})
    client = Client(SERVER_NAME="localhost")
    client.force_login(teacher)

    def save(codes) -> float:
        data = register_form(pupils, codes)
        started = time.perf_counter()
        response = client.post(url, data)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 302:
            raise SystemExit(f"the register was not saved ({response.status_code}):\n{response.content[:2000]!r}")
        return elapsed

    save(EXCEPTIONS)  # the first save creates the marks and warms the connection; it is not counted
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        save(ALL_PRESENT)
    timings = [save(EXCEPTIONS if n % 2 == 0 else ALL_PRESENT) for n in range(args.runs)]
    if Mark.objects.filter(pupil__group=group, date=day).count() != PUPILS:
        raise SystemExit("expected one mark per pupil")

    print(f"Saving a {PUPILS}-pupil register (whole form, {PUPILS} corrections each), {args.runs} runs, {where}")
    print(f"  median {statistics.median(timings):.1f} ms   p95 {percentile(timings, 0.95):.1f} ms")
    print(f"  min {min(timings):.1f} ms   max {max(timings):.1f} ms   {len(queries)} queries per save")


if __name__ == "__main__":
    main()
