"""The nightly run through the real Redis broker and a real Celery worker: killed mid-run and run again, it finishes
with no duplicates. Skipped where REDIS_URL is unset (then tasks run eagerly and there is no worker to kill)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from interventions.models import Case, EvaluationRun, Proposal
from interventions.tasks import evaluate_every_school
from tests.factories import PupilFactory, SchoolFactory
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_evaluate_command import ON, history

NEXT_DAY = ON + dt.timedelta(days=1)
ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.real_broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real broker: set REDIS_URL"),
]


def _conninfo() -> str:
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        dbname=connection.settings_dict["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
    )


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return (
        f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{connection.settings_dict['NAME']}"
    )


@pytest.fixture
def queue():
    return f"test-nightly-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def start_worker(queue):
    """Start a real worker on the test database and a queue of its own; every worker is stopped afterwards."""
    workers = []

    def start() -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE": queue,
            "DJANGO_SETTINGS_MODULE": "omega_attendance.settings",
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "omega_attendance", "worker", "--pool=solo", "-Q", queue]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=30)


def wait_for(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def blocked_backends(cur) -> int:
    cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
    return cur.fetchone()[0]


def test_a_worker_killed_mid_run_and_the_run_repeated_leaves_each_proposal_once(trust_a, school_a, queue, start_worker):
    second = SchoolFactory(trust=trust_a, name="Second Primary")
    pupils = {}
    for school in (school_a, second):
        school_calendar(school)
        pupils[school] = PupilFactory(school=school)
        history(school, pupils[school], ["/"] * 47 + ["I"] * 3)  # 94%: LON3
    # The second school's pupil already has a case, which its run updates; holding that row's lock stops the run
    # part way, after it has written its run and before its proposals.
    case = Case.objects.create(trust=trust_a, school=second, pupil=pupils[second])

    with psycopg.connect(_conninfo()) as holder:
        with holder.cursor() as cur:
            cur.execute("SELECT id FROM interventions_case WHERE id = %s FOR UPDATE", [case.pk])
            worker = start_worker()
            evaluate_every_school.apply_async(args=[ON.isoformat()], queue=queue)
            wait_for(lambda: EvaluationRun.objects.filter(school=school_a, on=ON).exists(), "the first school's run")
            with psycopg.connect(_conninfo(), autocommit=True) as watcher, watcher.cursor() as w:
                wait_for(lambda: blocked_backends(w) > 0, "the second school's run to block")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        holder.rollback()

    assert not EvaluationRun.objects.filter(school=second).exists()
    assert not Proposal.objects.filter(school=second).exists()

    start_worker()
    evaluate_every_school.apply_async(args=[ON.isoformat()], queue=queue)
    wait_for(lambda: EvaluationRun.objects.filter(school=second, on=ON).exists(), "the second school's run")

    for school in (school_a, second):
        assert list(Proposal.objects.filter(school=school).values_list("pupil", "rule")) == [
            (pupils[school].pk, "omega.lon3")
        ]
        assert EvaluationRun.objects.filter(school=school, on=ON).count() == 1
        assert Case.objects.get(pupil=pupils[school]).stage == 2


def test_the_nightly_fan_out_run_twice_proposes_nothing_new(trust_a, school_a, queue, start_worker):
    school_calendar(school_a)
    pupil = PupilFactory(school=school_a)
    history(school_a, pupil, ["/"] * 47 + ["I"] * 3)
    start_worker()

    for _ in range(2):
        evaluate_every_school.apply_async(args=[ON.isoformat()], queue=queue)
    # The worker takes tasks in order: once the next day's run is done, both of tonight's runs have been through.
    evaluate_every_school.apply_async(args=[NEXT_DAY.isoformat()], queue=queue)
    wait_for(lambda: EvaluationRun.objects.filter(school=school_a, on=NEXT_DAY).exists(), "the next day's run")

    assert Proposal.objects.filter(pupil=pupil, evaluated_on=ON).count() == 1
    assert EvaluationRun.objects.filter(school=school_a, on=ON).count() == 1
