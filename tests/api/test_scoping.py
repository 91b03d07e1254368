"""Every endpoint answers from the caller's trust only, and within it from their schools and groups."""

import datetime as dt

import pytest

from schools.models import Role
from tests.factories import GroupFactory, MarkFactory, PupilContactFactory, PupilFactory, SchoolFactory, staff

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 9, 7)


@pytest.fixture
def world(school_a, group_a, pupil_a, school_b, pupil_b):
    """Trust A: pupil_a in 5A and a classmate in 5B at Alpha; a pupil at a second school, Amber. Trust B: pupil_b."""
    group_5b = GroupFactory(school=school_a, name="5B", year_group="5")
    classmate = PupilFactory(school=school_a, group=group_5b, upn="A100000000002", legal_surname="Cole")
    amber = SchoolFactory(trust=school_a.trust, name="Amber Academy", urn="100002")
    at_amber = PupilFactory(school=amber, upn="A100000000003", legal_surname="Dunn")
    for school, pupil in [(school_a, pupil_a), (school_a, classmate), (amber, at_amber), (school_b, pupil_b)]:
        PupilContactFactory(pupil=pupil)
        MarkFactory(school=school, pupil=pupil, date=MONDAY)
    return {"classmate": classmate, "amber": amber, "at_amber": at_amber}


def _upns(response) -> set[str]:
    """UPNs in a list: of each pupil or mark, or of each contact's pupils."""
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    return {row["upn"] for row in rows if "upn" in row} | {
        link["upn"] for row in rows for link in row.get("pupils", [])
    }


LISTS = ["/api/pupils/", "/api/contacts/", "/api/marks/"]


@pytest.mark.parametrize("url", LISTS)
def test_a_head_lists_only_their_schools_rows(api, head, world, url):
    assert _upns(api(head).get(url)) == {"A100000000001", "A100000000002"}


@pytest.mark.parametrize("url", LISTS)
def test_a_trust_lead_lists_every_school_of_their_trust_and_nothing_else(api, lead, world, url):
    assert _upns(api(lead).get(url)) == {"A100000000001", "A100000000002", "A100000000003"}


@pytest.mark.parametrize("url", LISTS)
def test_another_trusts_user_lists_only_their_own_trusts_rows(api, outsider, world, url):
    assert _upns(api(outsider).get(url)) == {"B200000000001"}


@pytest.mark.parametrize("url", LISTS)
def test_a_teacher_lists_only_their_groups_pupils(api, teacher, world, url):
    assert _upns(api(teacher).get(url)) == {"A100000000001"}


@pytest.mark.parametrize("url", LISTS)
def test_filtering_by_another_trusts_school_gives_an_empty_list(api, outsider, world, url):
    response = api(outsider).get(url, {"school": "100001"} if url != "/api/contacts/" else {"pupil": "A100000000001"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_another_trusts_pupil_by_upn_is_404(api, outsider, world, pupil_a):
    assert api(outsider).get(f"/api/pupils/{pupil_a.upn}/").status_code == 404


def test_another_trusts_contact_is_404(api, outsider, world, pupil_a):
    contact = pupil_a.contact_links.get().contact
    assert api(outsider).get(f"/api/contacts/{contact.pk}/").status_code == 404


def test_a_pupil_of_another_school_in_the_trust_is_404_for_a_head(api, head, world):
    assert api(head).get("/api/pupils/A100000000003/").status_code == 404


def test_a_teacher_gets_404_for_a_pupil_outside_their_groups(api, teacher, world):
    assert api(teacher).get("/api/pupils/A100000000001/").status_code == 200
    assert api(teacher).get("/api/pupils/A100000000002/").status_code == 404


def test_another_trusts_school_statistics_are_404(api, outsider, world):
    assert api(outsider).get("/api/statistics/", {"school": "100001"}).status_code == 404


def test_statistics_of_a_school_in_the_trust_but_not_the_users_are_404(api, head, world):
    assert api(head).get("/api/statistics/", {"school": "100002"}).status_code == 404


def test_a_contact_shows_only_the_siblings_the_caller_can_see(api, head, world, pupil_a):
    contact = pupil_a.contact_links.get().contact
    PupilContactFactory(pupil=world["at_amber"], contact=contact, relationship="Mother")
    response = api(head).get(f"/api/contacts/{contact.pk}/")
    assert [link["upn"] for link in response.json()["pupils"]] == [pupil_a.upn]
    assert _upns(api(head).get("/api/contacts/", {"pupil": "A100000000003"})) == set()


def test_a_dsl_sees_their_schools_pupils(api, school_a, world):
    dsl = staff(school_a.trust, Role.Kind.DSL, school_a, username="dsl")
    assert _upns(api(dsl).get("/api/pupils/")) == {"A100000000001", "A100000000002"}
