"""GET /api/marks/ and its filters."""

import datetime as dt

import pytest

from tests.factories import MarkFactory, PupilFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 9, 7)


@pytest.fixture
def marks(school_a, pupil_a):
    other = PupilFactory(school=school_a, upn="A100000000002")
    for day in range(3):
        for pupil in (pupil_a, other):
            MarkFactory(school=school_a, pupil=pupil, date=MONDAY + dt.timedelta(days=day), code="I" if day else "/")


def _keys(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.content
    return [(row["date"], row["session"], row["upn"]) for row in response.json()["results"]]


def test_a_mark_reads_as_upn_school_date_session_and_code(api, head, pupil_a, marks):
    row = api(head).get("/api/marks/", {"upn": pupil_a.upn}).json()["results"][0]
    assert {k: row[k] for k in ("upn", "school", "date", "session", "code", "source")} == {
        "upn": pupil_a.upn,
        "school": "100001",
        "date": "2026-09-07",
        "session": "AM",
        "code": "/",
        "source": "register",
    }


def test_marks_are_listed_by_date_session_and_upn(api, head, marks):
    assert _keys(api(head).get("/api/marks/", {"date_to": "2026-09-08"})) == [
        ("2026-09-07", "AM", "A100000000001"),
        ("2026-09-07", "AM", "A100000000002"),
        ("2026-09-08", "AM", "A100000000001"),
        ("2026-09-08", "AM", "A100000000002"),
    ]


def test_date_school_and_upn_filters_narrow_the_marks(api, head, pupil_a, marks):
    client = api(head)
    assert _keys(client.get("/api/marks/", {"date_from": "2026-09-09", "upn": pupil_a.upn})) == [
        ("2026-09-09", "AM", pupil_a.upn)
    ]
    assert len(_keys(client.get("/api/marks/", {"school": "100001"}))) == 6
    assert _keys(client.get("/api/marks/", {"school": "999999"})) == []


def test_a_malformed_date_or_a_backwards_range_is_a_400(api, head, marks):
    client = api(head)
    assert client.get("/api/marks/", {"date_from": "7/9/2026"}).json().keys() == {"date_from"}
    assert client.get("/api/marks/", {"date_from": "2026-09-09", "date_to": "2026-09-08"}).status_code == 400
