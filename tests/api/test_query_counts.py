"""One more row must not mean one more query, on every list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import GroupFactory, MarkFactory, PupilContactFactory, PupilFactory

pytestmark = pytest.mark.django_db


def _add_pupils(school, count):
    for _ in range(count):
        pupil = PupilFactory(school=school, group=GroupFactory(school=school))
        PupilContactFactory(pupil=pupil)
        MarkFactory(school=school, pupil=pupil)


def _queries(client, url, rows) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    return len(queries)


@pytest.mark.parametrize("url", ["/api/pupils/", "/api/contacts/", "/api/marks/"])
def test_a_list_costs_the_same_queries_for_three_rows_as_for_six(api, head, school_a, url):
    client = api(head)
    _add_pupils(school_a, 3)
    three = _queries(client, url, 3)
    _add_pupils(school_a, 3)
    assert _queries(client, url, 6) == three


def test_the_pupils_list_stays_under_a_fixed_number_of_queries(api, head, school_a, django_assert_max_num_queries):
    client = api(head)
    _add_pupils(school_a, 5)
    # token and user, membership, roles, count, page, enrolments, and the access log's row
    with django_assert_max_num_queries(7):
        assert client.get("/api/pupils/").status_code == 200
