"""GET /api/statistics/: a school's figures over a window, the same JSON as the `attendance` command."""

import datetime as dt

import pytest

from registers.api import PupilCountsSerializer, SchoolTotalsSerializer
from schools.models import Enrolment
from tests.factories import GroupFactory, MarkFactory, PupilFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 9, 7)
WEEK = {"school": "100001", "from": "2026-09-07", "to": "2026-09-11"}


def _week(school, pupil, codes):
    sessions = [(MONDAY + dt.timedelta(days=d), s) for d in range(5) for s in ("AM", "PM")]
    for (day, session), code in zip(sessions, codes, strict=True):
        MarkFactory(school=school, pupil=pupil, date=day, session=session, code=code)


@pytest.fixture
def hand_built_week(school_a, pupil_a):
    _week(school_a, pupil_a, ["/", "\\", "L", "\\", "I", "I", "O", "U", "V", "X"])
    classmate = PupilFactory(
        school=school_a, group=GroupFactory(school=school_a, name="5B"), upn="A100000000002", legal_surname="Cole"
    )
    _week(school_a, classmate, ["/", "\\"] * 5)


def test_a_hand_built_week_gives_hand_computed_figures(api, head, hand_built_week):
    response = api(head).get("/api/statistics/", WEEK)
    assert response.status_code == 200
    # Able: X is not possible, so 9 possible; attended /,\,L,\ and V; absent I,I (authorised) and O,U (unauthorised).
    able = {
        "upn": "A100000000001",
        "possible": 9,
        "present": 4,
        "approved_activity": 1,
        "authorised": 2,
        "unauthorised": 2,
        "late": 2,
        "attendance_pct": 55.6,
        "persistent": True,
        "severe": False,
    }
    cole = {
        "upn": "A100000000002",
        "possible": 10,
        "present": 10,
        "approved_activity": 0,
        "authorised": 0,
        "unauthorised": 0,
        "late": 0,
        "attendance_pct": 100.0,
        "persistent": False,
        "severe": False,
    }
    # Totals are sums of sessions: 15 attended of 19 possible is 78.9%; one of the two pupils is persistently absent.
    school = {
        "urn": "100001",
        "name": "Alpha Primary",
        "from": "2026-09-07",
        "to": "2026-09-11",
        "possible": 19,
        "present": 14,
        "approved_activity": 1,
        "authorised": 2,
        "unauthorised": 2,
        "late": 2,
        "attendance_pct": 78.9,
        "pupils": 2,
        "persistent_pupils": 1,
        "severe_pupils": 0,
    }
    assert response.json() == {"school": school, "pupils": [able, cole]}


def test_the_json_has_exactly_the_documented_fields(api, head, hand_built_week):
    body = api(head).get("/api/statistics/", WEEK).json()
    assert body["school"].keys() == SchoolTotalsSerializer().fields.keys()
    assert body["pupils"][0].keys() == PupilCountsSerializer().fields.keys()


def test_a_teacher_gets_their_own_groups_figures_and_totals_over_them(api, teacher, hand_built_week):
    body = api(teacher).get("/api/statistics/", WEEK).json()
    assert [row["upn"] for row in body["pupils"]] == ["A100000000001"]
    assert (body["school"]["possible"], body["school"]["attendance_pct"]) == (9, 55.6)


def test_the_window_defaults_to_the_academic_year_to_date(api, head, school_a):
    pupil = PupilFactory(school=school_a, enrolled=False)
    Enrolment.objects.create(trust=school_a.trust, pupil=pupil, school=school_a, starts=dt.date(2025, 9, 1))
    MarkFactory(school=school_a, pupil=pupil, date=dt.date(2026, 7, 15), code="O")
    MarkFactory(school=school_a, pupil=pupil, date=MONDAY, code="/")
    client = api(head)

    body = client.get("/api/statistics/", {"school": "100001"}).json()
    assert (body["school"]["from"], body["school"]["to"], body["school"]["possible"]) == ("2026-08-01", "2026-11-23", 1)

    body = client.get("/api/statistics/", {"school": "100001", "from": "2026-07-01"}).json()
    assert (body["school"]["to"], body["school"]["possible"], body["school"]["unauthorised"]) == ("2026-11-23", 2, 1)


@pytest.mark.parametrize(
    "query",
    [{}, {"school": "100001", "from": "2026-09-12", "to": "2026-09-11"}, {"school": "100001", "to": "11/09/2026"}],
)
def test_a_missing_school_or_a_bad_window_is_a_400(api, head, school_a, query):
    assert api(head).get("/api/statistics/", query).status_code == 400
