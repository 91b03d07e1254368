"""API clients signing in by token, as a school's MIS does, and a school calendar for marks to land on."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from schools.services import rebuild_school_days
from tests.factories import HalfTermFactory

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Europe/London")))


@pytest.fixture
def api():
    """api(user) -> an APIClient sending the user's token; api() -> an anonymous one."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def calendar_a(school_a):
    """Autumn 1 2026 (2 September to 23 October) as school days at school A."""
    HalfTermFactory(school=school_a, starts=dt.date(2026, 9, 2), ends=dt.date(2026, 10, 23))
    rebuild_school_days(school_a)
    return school_a
