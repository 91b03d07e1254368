"""Signing in to the API: tokens for integrations, sessions for the browser, nothing for strangers."""

import pytest
from rest_framework.test import APIClient

from schools.models import Role
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/pupils/"),
    ("get", "/api/pupils/A100000000001/"),
    ("get", "/api/contacts/"),
    ("get", "/api/marks/"),
    ("post", "/api/marks/bulk/"),
    ("get", "/api/statistics/?school=100001"),
]


def test_a_token_signs_in_an_integration(api, head, pupil_a):
    response = api(head).get("/api/pupils/")
    assert response.status_code == 200
    assert [row["upn"] for row in response.json()["results"]] == [pupil_a.upn]


def test_a_session_signs_in_a_browser_user(head, pupil_a):
    client = APIClient()
    # The session keeps a hash of the stored password, so sign in the user as stored.
    head.refresh_from_db()
    # The backend a password login records; django-axes' backend only checks lockouts and loads no users.
    client.force_login(head, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/api/pupils/").status_code == 200


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_callers_get_401_everywhere(api, pupil_a, method, url):
    response = getattr(api(), method)(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_gets_401(head, pupil_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/pupils/").status_code == 401


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_a_user_with_no_trust_gets_403_everywhere(api, pupil_a, method, url):
    stranger = UserFactory(username="stranger")
    response = getattr(api(stranger), method)(url)
    assert response.status_code == 403


def test_a_member_with_no_role_sees_no_pupils(api, school_a, pupil_a):
    clerk = staff(school_a.trust, Role.Kind.TEACHER, school_a, username="clerk")
    Role.objects.filter(user=clerk).delete()
    response = api(clerk).get("/api/pupils/")
    assert response.status_code == 200
    assert response.json()["results"] == []
