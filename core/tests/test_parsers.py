"""Absurd JSON gets a clear 400, not a 500, on every JSON endpoint."""

import pytest

DEEPLY_NESTED = "[" * 5000 + "]" * 5000


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/login", "/api/chat/"])
def test_deeply_nested_json_is_a_malformed_request(api_client, user_client, path):
    client = user_client if path == "/api/chat/" else api_client

    response = client.generic("POST", path, DEEPLY_NESTED, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
    assert "nested too deeply" in response.json()["error"]["message"]
