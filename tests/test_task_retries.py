"""A task that meets a transient error (here the database dropping the connection) tries again and finishes once.

The tasks run in the test's process. With failures kept in the result rather than raised at once, Celery's in-process
run follows the retries as a worker would, instead of handing the first failure straight back to the caller.
"""

import pytest
from django.db import OperationalError

from interventions import tasks
from interventions.engine import commit_school
from interventions.models import EvaluationRun, Proposal
from omega_attendance.celery import app
from tests.factories import PupilFactory
from tests.interventions.test_day1 import school_calendar
from tests.interventions.test_evaluate_command import ON, history

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _failures_kept_in_the_result():
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


def run_evaluation(school):
    return tasks.evaluate_school.delay(school.trust_id, school.pk, ON.isoformat())


def test_the_nightly_run_retries_after_a_dropped_connection_and_records_one_run(school_a, monkeypatch):
    school_calendar(school_a)
    pupil = PupilFactory(school=school_a)
    history(school_a, pupil, ["/"] * 47 + ["I"] * 3)  # 94%: one proposal
    attempts = []

    def connection_dropped_once(school, on):
        attempts.append(on)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return commit_school(school, on)

    monkeypatch.setattr(tasks, "commit_school", connection_dropped_once)

    result = run_evaluation(school_a)

    assert len(attempts) == 2
    assert result.get() == 1
    assert EvaluationRun.objects.filter(school=school_a, on=ON).count() == 1
    assert Proposal.objects.filter(pupil=pupil, evaluated_on=ON).count() == 1


def test_a_bug_is_not_retried(school_a, monkeypatch):
    attempts = []

    def broken(school, on):
        attempts.append(on)
        raise ValueError("a bug")

    monkeypatch.setattr(tasks, "commit_school", broken)

    with pytest.raises(ValueError):
        run_evaluation(school_a).get()
    assert len(attempts) == 1


def test_a_transient_error_is_given_up_after_five_retries(school_a, monkeypatch):
    attempts = []

    def always_dropped(school, on):
        attempts.append(on)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks, "commit_school", always_dropped)

    with pytest.raises(OperationalError):
        run_evaluation(school_a).get()
    assert len(attempts) == 6
