"""A marks import whose database connection is terminated part way through (pg_terminate_backend, as a database
restart or failover does): the task retries, and the import ends DONE with every row applied once.
Skipped where REDIS_URL is unset (then tasks run eagerly and there is no worker)."""

import datetime as dt

import psycopg
import pytest
from django.conf import settings
from django.db.models import Count

from registers.models import Mark, MarkEvent
from schools.imports.jobs import check_upload, queue
from schools.imports.upn import check_letter
from schools.models import Enrolment, ImportJob, Pupil, SchoolDay
from tests.faults.workers import Workers, conninfo, producing_to, unique_queue, wait_for

pytestmark = [
    pytest.mark.real_broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real broker: set REDIS_URL"),
]

PUPILS, DAYS = 300, 25  # 15,000 marks: three of upsert_marks' batches, some seconds of writing


@pytest.fixture
def workers(transactional_db):
    with Workers(unique_queue("test-faults-import")) as workers:
        yield workers


@pytest.fixture
def roll(calendar):
    """PUPILS pupils with valid UPNs, on the school's roll from the first day of term."""
    bodies = [f"8881234{n:05d}" for n in range(PUPILS)]
    pupils = Pupil.objects.bulk_create(
        Pupil(
            trust=calendar.trust,
            upn=check_letter(body) + body,
            legal_surname=f"Pupil{n}",
            legal_forename="Sam",
            date_of_birth=dt.date(2016, 3, 1),
            gender=Pupil.Gender.FEMALE,
            year_group="5",
        )
        for n, body in enumerate(bodies)
    )
    Enrolment.objects.bulk_create(
        Enrolment(trust=calendar.trust, pupil=p, school=calendar, starts=dt.date(2026, 9, 1)) for p in pupils
    )
    return pupils


def marks_file(school, pupils) -> bytes:
    days = list(SchoolDay.objects.filter(school=school).order_by("date").values_list("date", flat=True)[:DAYS])
    assert len(days) == DAYS
    lines = ["upn,date,session,code,minutes_late"]
    lines += [f"{p.upn},{day},{session},/," for p in pupils for day in days for session in ("AM", "PM")]
    return ("\n".join(lines) + "\n").encode()


def import_transaction(cur, application_name: str) -> int | None:
    """The worker's connection with the import's transaction open and written to (not the progress connection)."""
    cur.execute(
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND backend_xid IS NOT NULL"
        " AND query NOT ILIKE %s",
        [application_name, "%schools_importjob%"],
    )
    row = cur.fetchone()
    return row[0] if row else None


def test_an_import_whose_connection_is_dropped_mid_way_retries_and_applies_every_row_once(
    calendar, roll, lead, workers
):
    job = check_upload(
        school=calendar, kind="marks", filename="autumn.csv", content=marks_file(calendar, roll), user=lead
    )
    rows = PUPILS * DAYS * 2
    assert (job.status, job.rows_total) == (ImportJob.Status.READY, rows)
    workers.start()
    with producing_to(workers.queue):
        assert queue(job)

    jobs = ImportJob.objects.filter(pk=job.pk)
    wait_for(lambda: jobs.get().rows_done > 0, "the first batch of marks to be written")
    with psycopg.connect(conninfo(), autocommit=True) as admin, admin.cursor() as cur:
        pid = import_transaction(cur, workers.application_name)
        assert pid is not None, "the import must still be writing"
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cur.fetchone()[0]
    assert jobs.get().status == ImportJob.Status.RUNNING

    wait_for(lambda: jobs.get().status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING), "the import")
    job.refresh_from_db()
    assert (job.status, job.rows_total, job.rows_done) == (ImportJob.Status.DONE, rows, rows)
    assert job.summary == f"{rows} new, 0 corrected, 0 unchanged marks", "the retry found none of the cut-off writes"
    marks = Mark.objects.filter(school=calendar)
    assert marks.count() == rows
    assert not marks.values("pupil", "date", "session").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert MarkEvent.objects.filter(school=calendar).count() == rows, "one history entry per mark"
