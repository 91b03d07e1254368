"""POST /api/marks/bulk/: an MIS sends a school's marks; all are checked before any is written."""

import datetime as dt

import pytest

from registers.models import Mark
from schools.models import Enrolment, Role
from tests.factories import GroupFactory, PupilFactory, SchoolFactory, staff

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 9, 7)
URL = "/api/marks/bulk/"


def _post(client, marks, school="100001", reason=""):
    return client.post(URL, {"school": school, "reason": reason, "marks": marks}, format="json")


def _row(upn, day=MONDAY, session="AM", code="/", **extra):
    return {"upn": upn, "date": day.isoformat(), "session": session, "code": code, **extra}


@pytest.fixture
def classmate(school_a):
    return PupilFactory(school=school_a, group=GroupFactory(school=school_a, name="5B"), upn="A100000000002")


@pytest.fixture
def week(pupil_a, classmate):
    return [
        _row(pupil_a.upn, session="AM", code="/"),
        _row(pupil_a.upn, session="PM", code="L", minutes_late=12),
        _row(classmate.upn.lower(), session="AM", code="n"),
        _row(classmate.upn, session="PM", code="I"),
    ]


def _events(pupil, session):
    return list(
        Mark.pgh_event_model.objects.filter(pupil=pupil, date=MONDAY, session=session)
        .order_by("pgh_id")
        .values_list("pgh_label", "code", "reason")
    )


def test_new_marks_are_created_as_api_marks_by_the_caller(api, head, calendar_a, week, pupil_a, classmate):
    response = _post(api(head), week)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 4, "corrected": 0, "unchanged": 0}
    stored = Mark.objects.order_by("pupil__upn", "session").values_list(
        "pupil__upn", "session", "code", "minutes_late", "source", "recorded_by"
    )
    assert list(stored) == [
        (pupil_a.upn, "AM", "/", None, "api", head.pk),
        (pupil_a.upn, "PM", "L", 12, "api", head.pk),
        (classmate.upn, "AM", "N", None, "api", head.pk),
        (classmate.upn, "PM", "I", None, "api", head.pk),
    ]


def test_posting_the_same_batch_again_changes_nothing(api, head, calendar_a, week):
    client = api(head)
    _post(client, week)
    events = Mark.pgh_event_model.objects.count()
    response = _post(client, week)
    assert response.json() == {"created": 0, "corrected": 0, "unchanged": 4}
    assert Mark.pgh_event_model.objects.count() == events


def test_a_changed_code_with_a_reason_is_a_correction_kept_in_history(api, head, calendar_a, week, classmate):
    client = api(head)
    _post(client, week)
    week[2]["code"] = "I"
    response = _post(client, week, reason="Parent phoned: ill")
    assert response.json() == {"created": 0, "corrected": 1, "unchanged": 3}
    assert _events(classmate, "AM") == [("insert", "N", ""), ("update", "I", "Parent phoned: ill")]
    correction = Mark.pgh_event_model.objects.select_related("pgh_context").get(pupil=classmate, pgh_label="update")
    assert correction.pgh_context.metadata["user"] == head.pk


def test_a_changed_code_without_a_reason_is_refused_and_nothing_changes(api, head, calendar_a, week, classmate):
    client = api(head)
    _post(client, week)
    week[2]["code"] = "I"
    week.append(_row(classmate.upn, day=MONDAY + dt.timedelta(days=1)))
    response = _post(client, week)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (None, "reason")
    assert Mark.objects.get(pupil=classmate, session="AM").code == "N"
    assert Mark.objects.count() == 4


def test_bad_rows_are_all_reported_by_index_and_field_and_nothing_is_saved(api, head, calendar_a, pupil_a, pupil_b):
    saturday = dt.date(2026, 9, 5)
    marks = [
        _row(pupil_a.upn),
        _row("A999999999999"),
        _row(pupil_a.upn, session="PM", code="H"),
        _row(pupil_a.upn, day=saturday),
        _row(pupil_a.upn),
        {"upn": pupil_a.upn, "date": "2026-13-01", "code": "/"},
        _row(pupil_b.upn),
        _row(pupil_a.upn, day=MONDAY + dt.timedelta(days=1), code="/", minutes_late=5),
        _row(pupil_a.upn, day=MONDAY + dt.timedelta(days=2), code="ZZ"),
    ]
    response = _post(api(head), marks)
    assert response.status_code == 400
    errors = [(e["index"], e["field"]) for e in response.json()["errors"]]
    assert errors == [
        (1, "upn"),
        (2, "code"),
        (3, "date"),
        (4, "non_field_errors"),
        (5, "date"),
        (5, "session"),
        (6, "upn"),
        (7, "minutes_late"),
        (8, "code"),
    ]
    messages = {e["index"]: e["message"] for e in response.json()["errors"]}
    assert "removed in 2024" in messages[2]
    assert "not a school day" in messages[3]
    assert "Row 0" in messages[4]
    assert Mark.objects.count() == 0


def test_another_trusts_school_is_an_error_on_school(api, outsider, calendar_a, pupil_a):
    response = _post(api(outsider), [_row(pupil_a.upn)])
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(None, "school")]
    assert Mark.objects.count() == 0


def test_a_school_of_the_trust_that_is_not_the_users_is_an_error_on_school(api, head, school_a, pupil_a):
    SchoolFactory(trust=school_a.trust, urn="100002")
    response = _post(api(head), [_row(pupil_a.upn)], school="100002")
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(None, "school")]


def test_a_malformed_request_lists_its_errors(api, head, calendar_a):
    response = api(head).post(URL, {"reason": "x" * 301, "marks": []}, format="json")
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (None, "school"),
        (None, "reason"),
        (None, "marks"),
    ]
    response = api(head).post(URL, [{"upn": "A"}], format="json")
    assert [e["field"] for e in response.json()["errors"]] == ["non_field_errors"]


def test_a_mark_outside_the_pupils_enrolment_is_an_error_on_date(api, head, calendar_a):
    joiner = PupilFactory(school=calendar_a, enrolled=False, upn="A100000000007")
    Enrolment.objects.create(trust=calendar_a.trust, pupil=joiner, school=calendar_a, starts=dt.date(2026, 10, 1))
    response = _post(api(head), [_row(joiner.upn), _row(joiner.upn, day=dt.date(2026, 10, 1))])
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, "date")]
    assert "not on Alpha Primary's roll" in response.json()["errors"][0]["message"]


def test_a_teacher_records_marks_for_their_own_group_only(api, teacher, calendar_a, pupil_a, classmate):
    client = api(teacher)
    assert _post(client, [_row(pupil_a.upn)]).json() == {"created": 1, "corrected": 0, "unchanged": 0}
    response = _post(client, [_row(classmate.upn)])
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, "upn")]


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (Role.Kind.ATTENDANCE_OFFICER, 200),
        (Role.Kind.ATTENDANCE_LEAD, 200),
        (Role.Kind.HEADTEACHER, 200),
        (Role.Kind.DSL, 403),
    ],
)
def test_who_may_record_marks_at_a_school(api, calendar_a, pupil_a, kind, status):
    user = staff(calendar_a.trust, kind, calendar_a, username=f"user-{kind}")
    assert _post(api(user), [_row(pupil_a.upn)]).status_code == status


def test_a_trust_lead_records_marks_at_any_school_of_the_trust(api, lead, calendar_a, pupil_a):
    assert _post(api(lead), [_row(pupil_a.upn)]).status_code == 200


def test_a_schools_sub_code_is_stored_with_its_statutory_code(api, head, calendar_a, school_a, pupil_a):
    school_a.local_codes = {"M01": "M"}
    school_a.save()
    response = _post(api(head), [_row(pupil_a.upn, code="m01")])
    assert response.status_code == 200, response.json()
    mark = Mark.objects.get(pupil=pupil_a)
    assert (mark.code, mark.local_code) == ("M", "M01")
