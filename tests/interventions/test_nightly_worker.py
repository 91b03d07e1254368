"""The nightly run through the real Redis broker and a real Celery worker: killed mid-run and run again, it finishes
with no duplicates. Skipped where REDIS_URL is unset (then tasks run eagerly and there is no worker to kill)."""

import datetime as dt

import psycopg
import pytest
from django.conf import settings

from interventions.models import Case, EvaluationRun, Proposal
from interventions.tasks import evaluate_every_school
from tests.factories import PupilFactory, SchoolFactory
from tests.faults.workers import Workers, conninfo, unique_queue, wait_for
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_evaluate_command import ON, history

NEXT_DAY = ON + dt.timedelta(days=1)
pytestmark = [
    pytest.mark.real_broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real broker: set REDIS_URL"),
]


@pytest.fixture
def workers():
    with Workers(unique_queue("test-nightly")) as workers:
        yield workers


def blocked_backends(cur) -> int:
    cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
    return cur.fetchone()[0]


def test_a_worker_killed_mid_run_and_the_run_repeated_leaves_each_proposal_once(trust_a, school_a, workers):
    second = SchoolFactory(trust=trust_a, name="Second Primary")
    pupils = {}
    for school in (school_a, second):
        school_calendar(school)
        pupils[school] = PupilFactory(school=school)
        history(school, pupils[school], ["/"] * 47 + ["I"] * 3)  # 94%: LON3
    # The second school's pupil already has a case, which its run updates; holding that row's lock stops the run
    # part way, after it has written its run and before its proposals.
    case = Case.objects.create(trust=trust_a, school=second, pupil=pupils[second])

    with psycopg.connect(conninfo()) as holder:
        with holder.cursor() as cur:
            cur.execute("SELECT id FROM interventions_case WHERE id = %s FOR UPDATE", [case.pk])
            worker = workers.start()
            evaluate_every_school.apply_async(args=[ON.isoformat()], queue=workers.queue)
            wait_for(lambda: EvaluationRun.objects.filter(school=school_a, on=ON).exists(), "the first school's run")
            with psycopg.connect(conninfo(), autocommit=True) as watcher, watcher.cursor() as w:
                wait_for(lambda: blocked_backends(w) > 0, "the second school's run to block")
            workers.kill(worker)
        holder.rollback()

    assert not EvaluationRun.objects.filter(school=second).exists()
    assert not Proposal.objects.filter(school=second).exists()

    workers.start()
    evaluate_every_school.apply_async(args=[ON.isoformat()], queue=workers.queue)
    wait_for(lambda: EvaluationRun.objects.filter(school=second, on=ON).exists(), "the second school's run")

    for school in (school_a, second):
        assert list(Proposal.objects.filter(school=school).values_list("pupil", "rule")) == [
            (pupils[school].pk, "omega.lon3")
        ]
        assert EvaluationRun.objects.filter(school=school, on=ON).count() == 1
        assert Case.objects.get(pupil=pupils[school]).stage == 2


def test_the_nightly_fan_out_run_twice_proposes_nothing_new(trust_a, school_a, workers):
    school_calendar(school_a)
    pupil = PupilFactory(school=school_a)
    history(school_a, pupil, ["/"] * 47 + ["I"] * 3)
    workers.start()

    for _ in range(2):
        evaluate_every_school.apply_async(args=[ON.isoformat()], queue=workers.queue)
    # The worker takes tasks in order: once the next day's run is done, both of tonight's runs have been through.
    evaluate_every_school.apply_async(args=[NEXT_DAY.isoformat()], queue=workers.queue)
    wait_for(lambda: EvaluationRun.objects.filter(school=school_a, on=NEXT_DAY).exists(), "the next day's run")

    assert Proposal.objects.filter(pupil=pupil, evaluated_on=ON).count() == 1
    assert EvaluationRun.objects.filter(school=school_a, on=ON).count() == 1
