"""`manage.py create_api_token USERNAME` prints the token an MIS integration signs in with."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _token(*args: str) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_the_printed_token_signs_in_to_the_api(head, pupil_a, client):
    key = _token("head")
    response = client.get("/api/pupils/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert [row["upn"] for row in response.json()["results"]] == [pupil_a.upn]


def test_asking_again_prints_the_same_token(head):
    assert _token("head") == _token("head")


def test_rotating_replaces_the_token_and_the_old_one_stops_working(head, client):
    old = _token("head")
    new = _token("head", "--rotate")
    assert new != old
    assert client.get("/api/pupils/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 401
    assert client.get("/api/pupils/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 200


def test_an_unknown_user_is_an_error():
    with pytest.raises(CommandError, match="No user 'nobody'"):
        _token("nobody")


def test_a_user_outside_every_trust_gets_no_token():
    UserFactory(username="stranger")
    with pytest.raises(CommandError, match="belongs to no trust"):
        _token("stranger")
