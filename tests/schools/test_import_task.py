"""Who applies an import job: one run at a time; a job left RUNNING by a run that was cut off (its worker killed, its
connection dropped) is taken by the next run rather than skipped; and a database that stays away fails the job
rather than leaving it RUNNING for ever."""

import psycopg
import pytest
from django.db import OperationalError

from omega_attendance.celery import app
from registers.models import Mark
from schools.imports import marks
from schools.imports.jobs import check_upload
from schools.models import ImportJob
from schools.tasks import IMPORT_LOCK, run_import
from tests.faults.workers import conninfo
from tests.schools.test_imports_browser import FIXTURES
from tests.schools.test_imports_commands import run_import as import_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def marks_job(school_a, lead):
    """A checked upload of 16 marks for Alpha Primary, whose calendar and pupils are imported."""
    import_file("calendar", school_a.urn, "calendar-2026-27.csv")
    import_file("pupils", school_a.urn, "pupils.csv")
    content = (FIXTURES / "marks.csv").read_bytes()
    job = check_upload(school=school_a, kind="marks", filename="marks.csv", content=content, user=lead)
    assert job.status == ImportJob.Status.READY
    return job


@pytest.fixture
def failures_kept_in_the_result():
    """Let the in-process run follow the retries as a worker would, instead of raising the first failure."""
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


def test_a_job_left_running_by_a_run_that_was_cut_off_is_applied_by_the_next_run(marks_job):
    ImportJob.objects.filter(pk=marks_job.pk).update(status=ImportJob.Status.RUNNING, rows_done=5)

    run_import(marks_job.trust_id, marks_job.pk)

    marks_job.refresh_from_db()
    assert (marks_job.status, marks_job.rows_done) == (ImportJob.Status.DONE, 16)
    assert Mark.objects.count() == 16


def test_a_job_that_another_run_is_applying_is_left_to_that_run(marks_job):
    ImportJob.objects.filter(pk=marks_job.pk).update(status=ImportJob.Status.RUNNING)
    with psycopg.connect(conninfo(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [IMPORT_LOCK, marks_job.pk])

        run_import(marks_job.trust_id, marks_job.pk)

    assert ImportJob.objects.get(pk=marks_job.pk).status == ImportJob.Status.RUNNING
    assert Mark.objects.count() == 0


def test_an_import_whose_connection_drops_once_is_retried_and_applied_once(
    marks_job, monkeypatch, failures_kept_in_the_result
):
    attempts = []
    apply = marks.apply

    def dropped_once(*args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return apply(*args, **kwargs)

    monkeypatch.setattr(marks, "apply", dropped_once)

    run_import.delay(marks_job.trust_id, marks_job.pk)

    marks_job.refresh_from_db()
    assert len(attempts) == 2
    assert (marks_job.status, marks_job.summary) == (ImportJob.Status.DONE, "16 new, 0 corrected, 0 unchanged marks")
    assert Mark.objects.count() == 16


def test_an_import_whose_database_stays_away_through_every_retry_fails_rather_than_staying_running(
    marks_job, monkeypatch, failures_kept_in_the_result
):
    attempts = []

    def always_dropped(*args, **kwargs):
        attempts.append(1)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(marks, "apply", always_dropped)

    run_import.delay(marks_job.trust_id, marks_job.pk)

    marks_job.refresh_from_db()
    assert len(attempts) == 1 + run_import.max_retries
    assert marks_job.status == ImportJob.Status.FAILED
    assert marks_job.summary == "The import stopped and nothing was saved: could not connect to server"
    assert Mark.objects.count() == 0
