"""A session cookie that is not a session key is no session: never a server error."""

import pytest

from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("cookie", ['"abcdefgh\\000"', "abcdefgh\x00ij", "ABCDEFGHIJKL<>", "short"])
def test_a_malformed_session_cookie_is_treated_as_signed_out(client, cookie):
    client.cookies["sessionid"] = cookie
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_a_real_session_still_signs_in(client, school_a):
    client.force_login(staff(school_a.trust, "headteacher", school_a))
    assert client.get("/").status_code == 200
