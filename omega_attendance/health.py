"""GET /health/: whether the database, the broker and last night's graduated-response run are well, for a load
balancer or an uptime monitor. No sign-in, so it says nothing about any trust, school or pupil: states only.
"""

from __future__ import annotations

import datetime as dt

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from interventions.models import EvaluationRun
from schools.models import School

# The nightly run is scheduled at 20:30 on weekdays: 36 weekday hours after one finishes, the next one (and the
# morning's check by staff) is overdue. Weekends do not count, so Friday's run still covers Monday.
NIGHTLY_MAX_WEEKDAY_HOURS = 36
BROKER_TIMEOUT_SECONDS = 2


def weekday_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Hours from `start` to `end` that fall on Monday to Friday, by the wall clock the times are given in.

    Stops counting once past the nightly limit, so a run from years ago costs no more than one from last week.
    """
    hours = 0.0
    while start < end and hours <= NIGHTLY_MAX_WEEKDAY_HOURS:
        midnight = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(), tzinfo=start.tzinfo)
        stop = min(midnight, end)
        if start.weekday() < 5:
            hours += (stop - start).total_seconds() / 3600
        start = stop
    return hours


def nightly_is_recent(last_finished: dt.datetime | None, now: dt.datetime, *, any_schools: bool) -> bool:
    """Whether the latest nightly run finished recently enough; with no schools there is nothing to run."""
    if not any_schools:
        return True
    if last_finished is None:
        return False
    return weekday_hours_between(last_finished, now) <= NIGHTLY_MAX_WEEKDAY_HOURS


def check_database() -> bool:
    """Whether the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def check_broker() -> str:
    """The broker's state: ok when Redis answers PING in time, error when not, eager when there is no broker."""
    if not settings.REDIS_URL:
        return "eager"
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS
    )
    try:
        return "ok" if client.ping() else "error"
    except (redis.RedisError, OSError):
        return "error"
    finally:
        client.close()


def check_nightly() -> dict:
    """The latest run's finishing time (any school) and whether it is recent enough."""
    # Every trust's runs and schools: an installation-wide check that reports only a time and a yes or no.
    last = EvaluationRun.objects.all_trusts().order_by("-finished_at").values_list("finished_at", flat=True).first()
    any_schools = School.objects.all_trusts().exists()
    now = timezone.localtime()
    last_local = timezone.localtime(last) if last else None
    return {
        "last_run": last_local.isoformat() if last_local else None,
        "ok": nightly_is_recent(last_local, now, any_schools=any_schools),
    }


@never_cache
@require_GET
def health(request):
    """200 when the database, the broker and the nightly run are all well; 503 with the same report otherwise."""
    database = check_database()
    report = {
        "database": "ok" if database else "error",
        "broker": check_broker(),
        # Without the database the last run cannot be read, so it cannot be said to be well.
        "nightly": check_nightly() if database else {"last_run": None, "ok": False},
    }
    healthy = database and report["broker"] in ("ok", "eager") and report["nightly"]["ok"]
    return JsonResponse(report, status=200 if healthy else 503)
