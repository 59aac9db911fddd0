"""The OpenAPI schema: valid, warning-free, served at /openapi.json with Swagger UI at /docs."""

import pytest
from django.core.management import call_command


def test_the_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns every drf-spectacular warning (missing schemas, guessed types,
    # duplicate names) into a failure, so each endpoint must describe itself explicitly.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


@pytest.mark.django_db
def test_it_serves_the_schema_with_both_security_schemes(api_client):
    response = api_client.get("/openapi.json")

    assert response.status_code == 200
    schemes = response.json()["components"]["securitySchemes"]
    assert schemes["jwtAuth"]["scheme"] == "bearer"
    assert schemes["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key (`sk-...`) created at POST /api/user/api-keys.",
    }


@pytest.mark.django_db
def test_swagger_ui_is_served_from_the_gateway_itself(api_client):
    response = api_client.get("/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/openapi.json" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
