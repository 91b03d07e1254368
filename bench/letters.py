"""How many parents' letters a second the batch render makes, and what rendering them one at a time would cost.

    .venv/bin/python bench/letters.py [--pupils 1000] [--chunk 50] [--workers 1] [--single 10]

Builds one primary school in a database of its own, omega_bench_letters (on the embedded server when DATABASE_URL is
unset, else on DATABASE_URL's server with the database name swapped), emptied at every start: `--pupils` pupils,
each with a parent with parental responsibility and four school weeks of marks. Then it times, separately:

- making the batch (letters.batches.start_batch: the figures from SQL and one Letter row per parent);
- rendering it (letters.batches.render_batch: chunks of `--chunk` letters as one WeasyPrint document, split with
  pypdf, then every letter merged into the PDF to print) in `--workers` processes at once, as that many Celery workers
  running the task for the same batch would (they share the chunks), and prints letters per second;
- rendering `--single` of the same letters one document each, as a render without chunks would.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE = "omega_bench_letters"
ON = dt.date(2026, 9, 25)  # a Friday: the calendar's first four weeks are behind it


def use_bench_database() -> str:
    """Point the settings at the benchmark's own database (created if missing); return a description of it."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        os.environ["OMEGA_DB_NAME"] = DATABASE  # the embedded server creates it on start
        return f"{DATABASE} on the embedded PostgreSQL"
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{DATABASE}"))
    return f"{DATABASE} on {parts.hostname or 'localhost'}"


def build_school(pupils: int):
    """A trust, a primary school with its autumn calendar, and `pupils` pupils with a parent and marks each."""
    import pgtrigger
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from registers.models import Mark
    from schools.models import Contact, Enrolment, HalfTerm, Membership, Pupil, PupilContact, Role, School, Trust
    from schools.services import rebuild_school_days

    trust = Trust.objects.create(slug="bench-letters", name="Bench Trust")
    school = School.objects.create(
        trust=trust,
        urn="999002",
        name="Bench Primary",
        phase=School.Phase.PRIMARY,
        address="1 School Lane\nBenchton\nBE1 1AA",
        headteacher_name="Mrs B. Bench",
    )
    HalfTerm.objects.create(
        trust=trust, school=school, name="Autumn 1", starts=dt.date(2026, 9, 1), ends=dt.date(2026, 10, 23)
    )
    rebuild_school_days(school)
    lead = get_user_model().objects.create_user("bench-lead", password="bench lead password")
    Membership.objects.create(user=lead, trust=trust)
    Role.objects.create(trust=trust, user=lead, kind=Role.Kind.ATTENDANCE_LEAD, school=school)

    people = Pupil.objects.bulk_create(
        Pupil(
            trust=trust,
            upn=f"L{n:012d}",
            legal_surname=f"Surname{n:04d}",
            legal_forename=f"Pupil{n:04d}",
            date_of_birth=dt.date(2016, 1, 1),
            gender=Pupil.Gender.FEMALE,
            year_group=str(1 + n % 6),
        )
        for n in range(pupils)
    )
    Enrolment.objects.bulk_create(
        Enrolment(trust=trust, pupil=p, school=school, starts=dt.date(2026, 9, 1)) for p in people
    )
    contacts = Contact.objects.bulk_create(
        Contact(
            trust=trust,
            name=f"Parent of {p.legal_forename}",
            address=f"{n + 1} Long Road\nBenchton",
            postcode="BE2 2BB",
            language="Polish" if n % 10 == 0 else "English",
        )
        for n, p in enumerate(people)
    )
    PupilContact.objects.bulk_create(
        PupilContact(trust=trust, pupil=p, contact=c, relationship="Mother")
        for p, c in zip(people, contacts, strict=True)
    )
    days = list(school.school_days.filter(date__lte=ON).values_list("date", flat=True))
    now = timezone.now()
    # Every tenth session of every third pupil is an unauthorised absence; the rest present.
    with pgtrigger.ignore("registers.Mark:insert_insert"):
        Mark.objects.bulk_create(
            (
                Mark(
                    trust=trust,
                    school=school,
                    pupil=p,
                    date=day,
                    session=session,
                    code="O" if n % 3 == 0 and (d * 2 + s) % 10 == 0 else "/",
                    recorded_at=now,
                )
                for n, p in enumerate(people)
                for d, day in enumerate(days)
                for s, session in enumerate(("AM", "PM"))
            ),
            batch_size=5000,
        )
    return school, lead, people


def render(batch, chunk: int, workers: int) -> None:
    """Render the batch in `workers` processes at once (forked, each with its own database connection)."""
    from django.db import connections

    from letters.batches import render_batch

    if workers == 1:
        render_batch(batch.trust_id, batch.pk, chunk_size=chunk)
        return
    connections.close_all()  # each forked process opens its own
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            try:
                render_batch(batch.trust_id, batch.pk, chunk_size=chunk)
            finally:
                os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=1000, help="pupils, one letter each (default 1,000)")
    parser.add_argument("--chunk", type=int, default=None, help="letters per WeasyPrint document (default CHUNK)")
    parser.add_argument("--workers", type=int, default=1, help="processes rendering the batch at once (default 1)")
    parser.add_argument("--single", type=int, default=10, help="letters also rendered one document each (default 10)")
    args = parser.parse_args()
    if args.pupils < 1 or args.workers < 1 or (args.chunk is not None and args.chunk < 1) or args.single < 0:
        parser.error("--pupils, --chunk and --workers must be positive, --single not negative")

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omega_attendance.settings")
    where = use_bench_database()
    import django

    django.setup()
    from django.core.management import call_command

    from letters import batches, rendering
    from letters.batches import LetterRequest, start_batch
    from letters.defaults import DEFAULTS
    from letters.models import Letter, LetterBatch
    from omega_attendance.celery import app

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # this database is the benchmark's alone
    # The batch is rendered below, timed on its own: queueing it sends nothing anywhere.
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"

    started = time.perf_counter()
    school, lead, pupils = build_school(args.pupils)
    print(f"Letters for {args.pupils:,} pupils at one primary school, {where}")
    print(f"  built the school and {args.pupils * 2 * 18:,} marks in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    batch = start_batch(
        school=school, user=lead, title="Bench", requests=[LetterRequest(p, "LON2") for p in pupils], on=ON
    )
    made = time.perf_counter() - started
    print(f"  made the batch: {batch.total:,} letters with their figures in {made:.2f} s")

    chunk = args.chunk or batches.CHUNK
    started = time.perf_counter()
    render(batch, chunk, args.workers)
    took = time.perf_counter() - started
    batch.refresh_from_db()
    if batch.status != LetterBatch.Status.DONE:
        raise SystemExit(f"the batch did not finish: {batch.status} {batch.error}")
    size = len(bytes(batch.pdf))
    print(
        f"  rendered {batch.rendered:,} letters in chunks of {chunk} in {took:.1f} s: "
        f"{batch.rendered / took:,.1f} letters/s with {args.workers} worker{'s' if args.workers > 1 else ''} "
        f"(merged PDF {size / 1_000_000:.1f} MB, "
        f"{size / batch.rendered / 1000:.0f} kB a letter)"
    )

    if args.single:
        letters = list(Letter.objects.filter(batch=batch).select_related("pupil", "school__trust")[: args.single])
        contents = [
            rendering.lay_out(
                school=x.school,
                pupil=x.pupil,
                code=x.code,
                language=x.language,
                addressee=x.addressee,
                address=x.address,
                figures=x.figures,
                wording=DEFAULTS[(x.code, x.language)],
            )
            for x in letters
        ]
        started = time.perf_counter()
        for content in contents:
            rendering.render_pdfs([content])
        alone = (time.perf_counter() - started) / len(contents)
        print(f"  one document a letter: {alone:.3f} s a letter, {1 / alone:.1f} letters/s")


if __name__ == "__main__":
    main()
