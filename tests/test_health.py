"""GET /health/: the database, the broker and the nightly run, for a monitor that does not sign in."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import redis
from django.urls import reverse

from interventions.models import EvaluationRun
from interventions.policies import trust_version
from omega_attendance import health

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
THURSDAY_10AM = dt.datetime(2026, 11, 26, 10, 0, tzinfo=LONDON)
WEDNESDAY_RUN = dt.datetime(2026, 11, 25, 20, 35, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _no_broker(settings):
    settings.REDIS_URL = ""


def ran(school, finished_at):
    return EvaluationRun.objects.create(
        trust=school.trust,
        school=school,
        on=finished_at.date(),
        policy_version=trust_version(school.trust),
        started_at=finished_at - dt.timedelta(minutes=2),
        finished_at=finished_at,
    )


def report(client):
    response = client.get(reverse("health"))
    return response.status_code, response.json()


def test_a_well_installation_answers_200_to_a_monitor_that_has_not_signed_in(client, school_a, time_machine):
    time_machine.move_to(THURSDAY_10AM, tick=False)
    ran(school_a, WEDNESDAY_RUN)

    status, body = report(client)

    assert status == 200
    assert body == {
        "database": "ok",
        "broker": "eager",
        "nightly": {"last_run": "2026-11-25T20:35:00+00:00", "ok": True},
    }


def test_the_report_names_no_trust_school_or_pupil(client, school_a, pupil_a, time_machine):
    time_machine.move_to(THURSDAY_10AM, tick=False)
    ran(school_a, WEDNESDAY_RUN)

    body = client.get(reverse("health")).content.decode()

    for name in (school_a.name, school_a.trust.name, school_a.urn, pupil_a.upn, pupil_a.legal_surname):
        assert name not in body


def test_a_database_that_does_not_answer_gives_503(client, school_a, time_machine, monkeypatch):
    time_machine.move_to(THURSDAY_10AM, tick=False)
    ran(school_a, WEDNESDAY_RUN)
    monkeypatch.setattr(health, "check_database", lambda: False)

    status, body = report(client)

    assert status == 503
    assert body["database"] == "error"
    assert body["nightly"] == {"last_run": None, "ok": False}


def test_a_nightly_run_missed_for_a_whole_weekday_gives_503(client, school_a, time_machine):
    ran(school_a, dt.datetime(2026, 11, 24, 20, 35, tzinfo=LONDON))  # Tuesday; Wednesday's never came
    time_machine.move_to(THURSDAY_10AM, tick=False)

    status, body = report(client)

    assert status == 503
    assert body["nightly"] == {"last_run": "2026-11-24T20:35:00+00:00", "ok": False}


def test_fridays_run_still_counts_on_monday_before_the_evening_run(client, school_a, time_machine):
    ran(school_a, dt.datetime(2026, 11, 27, 20, 35, tzinfo=LONDON))
    time_machine.move_to(dt.datetime(2026, 11, 30, 19, 0, tzinfo=LONDON), tick=False)

    assert report(client)[0] == 200


def test_schools_that_have_never_had_a_nightly_run_give_503(client, school_a):
    status, body = report(client)

    assert status == 503
    assert body["nightly"] == {"last_run": None, "ok": False}


def test_an_installation_with_no_schools_yet_is_well(client, db):
    assert report(client) == (200, {"database": "ok", "broker": "eager", "nightly": {"last_run": None, "ok": True}})


def test_a_broker_that_does_not_answer_gives_503(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    status, body = report(client)

    assert status == 503
    assert body["broker"] == "error"


def test_a_broker_that_answers_ping_is_ok(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError):
        pytest.skip("no Redis server on 127.0.0.1:6379")

    assert report(client) == (200, {"database": "ok", "broker": "ok", "nightly": {"last_run": None, "ok": True}})


def test_only_get_is_answered(client, db):
    assert client.post(reverse("health")).status_code == 405


def test_weekend_hours_do_not_count_towards_the_nightly_limit():
    friday_evening = dt.datetime(2026, 11, 27, 20, 0, tzinfo=LONDON)
    monday_morning = dt.datetime(2026, 11, 30, 8, 0, tzinfo=LONDON)

    assert health.weekday_hours_between(friday_evening, monday_morning) == 12


def test_thirty_six_weekday_hours_are_still_recent_and_a_minute_more_is_not():
    finished = dt.datetime(2026, 11, 24, 20, 0, tzinfo=LONDON)
    limit = finished + dt.timedelta(hours=36)

    assert health.nightly_is_recent(finished, limit, any_schools=True)
    assert not health.nightly_is_recent(finished, limit + dt.timedelta(minutes=1), any_schools=True)
