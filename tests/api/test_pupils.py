"""The pupils list and its filters, one pupil by UPN, and the contacts filter."""

import datetime as dt

import pytest

from schools.models import Enrolment
from tests.factories import GroupFactory, PupilContactFactory, PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def _upns(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["upn"] for row in response.json()["results"]]


def test_a_pupil_by_upn_comes_with_group_and_enrolments(api, head, pupil_a):
    body = api(head).get(f"/api/pupils/{pupil_a.upn}/").json()
    assert (body["upn"], body["legal_surname"], body["group"], body["year_group"]) == (pupil_a.upn, "Able", "5A", "5")
    assert body["enrolments"] == [
        {"school": "100001", "school_name": "Alpha Primary", "starts": "2026-09-01", "ends": None}
    ]


def test_safeguarding_flags_are_not_in_the_api(api, head, pupil_a):
    pupil_a.watch_list, pupil_a.watch_list_reason, pupil_a.looked_after = True, "Known to social care", True
    pupil_a.save()
    body = api(head).get(f"/api/pupils/{pupil_a.upn}/").json()
    assert not {"watch_list", "watch_list_reason", "looked_after", "child_protection_plan"} & body.keys()


def test_a_pupil_without_a_group_has_group_null(api, head, school_a):
    pupil = PupilFactory(school=school_a, group=None)
    assert api(head).get(f"/api/pupils/{pupil.upn}/").json()["group"] is None


def test_the_school_filter_lists_pupils_on_roll_today(api, lead, school_a, pupil_a):
    leaver = PupilFactory(school=school_a, enrolled=False, upn="A100000000009")
    Enrolment.objects.create(
        trust=school_a.trust, pupil=leaver, school=school_a, starts=dt.date(2026, 9, 1), ends=dt.date(2026, 10, 31)
    )
    PupilFactory(school=SchoolFactory(trust=school_a.trust, urn="100002"), upn="A100000000008")
    assert _upns(api(lead).get("/api/pupils/", {"school": "100001"})) == [pupil_a.upn]
    assert _upns(api(lead).get("/api/pupils/", {"school": "100002"})) == ["A100000000008"]


def test_year_group_and_upn_filters_narrow_the_list(api, head, school_a, group_a, pupil_a):
    group_6c = GroupFactory(school=school_a, name="6C", year_group="6")
    PupilFactory(school=school_a, group=group_6c, year_group="6", upn="A100000000006", legal_surname="Zed")
    client = api(head)
    assert _upns(client.get("/api/pupils/")) == [pupil_a.upn, "A100000000006"]
    assert _upns(client.get("/api/pupils/", {"year": "6"})) == ["A100000000006"]
    assert _upns(client.get("/api/pupils/", {"group": "5A"})) == [pupil_a.upn]
    assert _upns(client.get("/api/pupils/", {"upn": "a100000000006"})) == ["A100000000006"]


def test_the_contacts_of_one_pupil(api, head, school_a, pupil_a):
    mother = PupilContactFactory(pupil=pupil_a, relationship="Mother", priority=1).contact
    PupilContactFactory(pupil=PupilFactory(school=school_a))
    response = api(head).get("/api/contacts/", {"pupil": pupil_a.upn})
    assert [(row["id"], row["pupils"]) for row in response.json()["results"]] == [
        (
            mother.pk,
            [{"upn": pupil_a.upn, "relationship": "Mother", "parental_responsibility": True, "priority": 1}],
        )
    ]
