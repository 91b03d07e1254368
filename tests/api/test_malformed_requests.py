"""Malformed requests get the documented JSON error, never a 500 or an HTML page (cases the schema tests found)."""

import pytest

from registers.models import Mark

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_an_unknown_query_parameter_is_ignored_not_a_server_error(api, head, pupil_a):
    response = api(head).get("/api/pupils/", {"\x00sort": "\x00"})
    assert response.status_code == 200
    assert [row["upn"] for row in response.json()["results"]] == [pupil_a.upn]


def test_a_nul_character_in_a_filter_is_a_400_naming_the_filter(api, head, pupil_a):
    response = api(head).get("/api/pupils/", {"upn": "A1\x00"})
    assert response.status_code == 400
    assert response.json() == {"upn": ["Null characters are not allowed."]}


def test_malformed_json_on_the_bulk_upload_is_reported_like_any_other_batch_error(api, head, school_a):
    response = api(head).post("/api/marks/bulk/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (None, "non_field_errors")
    assert error["message"].startswith("JSON parse error")
    assert Mark.objects.count() == 0


def test_the_bulk_upload_takes_json_only(api, head, school_a):
    response = api(head).post("/api/marks/bulk/", {"school": "100001", "marks": "[]"}, format="multipart")
    assert response.status_code == 415
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/pupils/A%20100/", "/api/pupils/a.b/", "/api/contacts/1.5/", "/api/contacts/abc/", "/api/marks/x/"]
)
def test_a_key_in_a_shape_no_route_takes_is_a_json_404(api, head, path):
    response = api(head).get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_the_api_still_adds_a_missing_trailing_slash(api, head):
    response = api(head).get("/api/pupils")
    assert response.status_code == 301
    assert response.headers["Location"] == "/api/pupils/"


def test_a_window_that_ends_before_it_starts_is_a_400_listing_messages_by_field(api, head, school_a):
    response = api(head).get("/api/statistics/", {"school": "100001", "from": "2026-11-20", "to": "2026-11-19"})
    assert response.status_code == 400
    assert response.json() == {"from": ["Must be on or before the last day."]}


def test_a_page_past_the_end_is_a_404_with_a_detail(api, head, pupil_a):
    response = api(head).get("/api/pupils/", {"page": 2})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}
