"""Every API operation, called with generated data, answers without a 500 and exactly as the OpenAPI schema says.

The schema is the one the application serves at /api/schema/, read through the WSGI app, and every request goes
through the same app in this process, so the rows the fixtures create are the rows the views read.
"""

import datetime as dt

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from omega_attendance.wsgi import application
from tests.factories import ContactFactory, MarkFactory, PupilContactFactory, PupilFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# Bounded and repeatable: the same examples on every run, and the module in about a minute on a small machine.
settings.register_profile(
    "api-conformance",
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    # The rows are made once per operation and shared by its examples, as a fixture cannot run once per example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CONFORMANCE = settings.get_profile("api-conformance")

MONDAY = dt.date(2026, 9, 7)
# Two weeks of Autumn 1, all school days in calendar_a.
SCHOOL_DAYS = [MONDAY + dt.timedelta(days=week * 7 + day) for week in range(2) for day in range(5)]


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open():
    """Requests go straight to the WSGI app, so do what Django's test client does around each one: without this,
    closing "old" connections at the end of a request would close the test's connection and roll its rows back."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def trust_a_rows(head, calendar_a, pupil_a):
    """Trust A with two pupils, their contact and two weeks of marks, and the head's token; returns the real keys."""
    school = calendar_a
    classmate = PupilFactory(school=school, group=pupil_a.group, upn="A100000000002", legal_surname="Cole")
    contact = ContactFactory(trust=school.trust, name="Pat Able")
    for pupil in (pupil_a, classmate):
        PupilContactFactory(pupil=pupil, contact=contact)
        for day in SCHOOL_DAYS:
            for session in ("AM", "PM"):
                MarkFactory(school=school, pupil=pupil, date=day, session=session)
    token, _ = Token.objects.get_or_create(user=head)
    return {
        "headers": {"Authorization": f"Token {token.key}"},
        "urn": school.urn,
        "upns": [pupil_a.upn, classmate.upn],
        "contact_id": contact.pk,
    }


def _with_real_keys(case, rows) -> None:
    """Point the case at real rows, so that detail routes, filters and the bulk upload get past "not found" too.

    Generated keys almost never name a real pupil, contact or school; the other values stay as generated.
    """
    upn = rows["upns"][0]
    path = case.path_parameters or {}
    if "upn" in path:
        path["upn"] = upn
    if "id" in path:
        path["id"] = rows["contact_id"]
    query = case.query or {}
    for name, value in (("school", rows["urn"]), ("upn", upn), ("pupil", upn)):
        if name in query:
            query[name] = value
    if isinstance(case.body, dict) and "school" in case.body:
        case.body["school"] = rows["urn"]
        marks = case.body.get("marks")
        for index, row in enumerate(marks if isinstance(marks, list) else []):
            if isinstance(row, dict):
                # A distinct pupil, day and session per row, and a code that goes with its minutes late.
                row["upn"] = rows["upns"][index % 2]
                row["session"] = ("AM", "PM")[index // 2 % 2]
                row["date"] = SCHOOL_DAYS[index // 4 % len(SCHOOL_DAYS)].isoformat()
                row["code"] = "/" if row.get("minutes_late") is None else "L"


@pytest.mark.django_db
@schema.parametrize()
@schema.given(use_real=st.booleans())
@CONFORMANCE
def test_every_operation_answers_as_its_schema_says(case, use_real, trust_a_rows):
    if use_real:
        _with_real_keys(case, trust_a_rows)
    case.call_and_validate(headers=trust_a_rows["headers"], checks=CHECKS)
