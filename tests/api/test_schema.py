"""The OpenAPI schema is complete and valid, and its docs page loads nothing from outside the application."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

ENDPOINTS = {
    "/api/pupils/",
    "/api/pupils/{upn}/",
    "/api/contacts/",
    "/api/contacts/{id}/",
    "/api/marks/",
    "/api/marks/bulk/",
    "/api/statistics/",
}


def test_the_schema_generates_with_no_warnings_and_validates(tmp_path):
    # --fail-on-warn raises on any warning or error, --validate on any breach of the OpenAPI 3 JSON schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/marks/bulk/" in (tmp_path / "schema.yaml").read_text()


@pytest.mark.django_db
def test_the_schema_endpoint_serves_valid_openapi_with_every_endpoint(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["paths"].keys() >= ENDPOINTS
    assert schema["paths"]["/api/marks/bulk/"]["post"]["responses"].keys() == {"200", "400", "401", "403", "415"}


@pytest.mark.django_db
def test_the_schema_documents_each_error_an_operation_can_give(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    codes = {(method, path): set(op["responses"]) for path, ops in paths.items() for method, op in ops.items()}
    assert codes[("get", "/api/pupils/")] == {"200", "400", "401", "403", "404"}
    assert codes[("get", "/api/pupils/{upn}/")] == {"200", "401", "403", "404"}
    assert codes[("get", "/api/statistics/")] == {"200", "400", "401", "403", "404"}
    bulk = paths["/api/marks/bulk/"]["post"]
    assert list(bulk["requestBody"]["content"]) == ["application/json"]
    body_of = {code: response["content"]["application/json"]["schema"] for code, response in bulk["responses"].items()}
    assert body_of["400"] == {"$ref": "#/components/schemas/BulkErrors"}
    assert body_of["401"] == body_of["403"] == body_of["415"] == {"$ref": "#/components/schemas/Error"}


def _docs_page(client) -> str:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_docs_page_loads_its_scripts_and_styles_from_our_own_static_files(client):
    page = _docs_page(client)
    sources = re.findall(r'<(?:script|link)[^>]*?(?:src|href)="([^"]+)"', page)
    assert len(sources) >= 3
    for source in sources:
        if source == "/api/docs/?script=":
            continue  # the page's own set-up script, served apart so the Content Security Policy needs no inline script
        assert source.startswith("/static/drf_spectacular_sidecar/"), source
        assert finders.find(source.removeprefix("/static/")), f"{source} is not a static file we ship"
    assert "cdn" not in page.lower()
    assert "http://" not in page and "https://" not in page


@pytest.mark.django_db
def test_the_docs_page_turns_off_swagger_uis_online_validator_badge(client):
    # Swagger UI otherwise sends the schema's URL to validator.swagger.io for a badge on any non-local host.
    assert '"validatorUrl": null' in client.get("/api/docs/?script=").content.decode()
