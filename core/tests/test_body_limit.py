"""Oversized bodies are refused early with 413 in the error envelope."""

import httpx
import pytest

TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize("path", ["/api/auth/login", "/nope"])
def test_a_10mb_body_is_refused_with_413(live_gateway, path):
    response = httpx.post(
        f"{live_gateway.url}{path}",
        content=b"{" + b" " * TEN_MB + b"}",
        headers={"Content-Type": "application/json", "X-Request-ID": "big-1"},
        timeout=30,
    )

    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "code": "payload_too_large",
            "message": "The request body is larger than the 1048576 bytes this gateway accepts.",
            "details": {"max_bytes": 1048576},
        },
        "request_id": "big-1",
    }


def test_a_chunked_body_over_the_limit_is_refused_with_413(live_gateway):
    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    response = httpx.post(
        f"{live_gateway.url}/api/auth/login",
        content=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_body_under_the_limit_reaches_the_view(live_gateway):
    response = httpx.post(
        f"{live_gateway.url}/api/auth/login",
        json={"username": "nobody", "password": "Wr0ng-password!", "padding": "x" * 100_000},
        timeout=30,
    )

    assert response.status_code == 401


def test_a_path_prefix_can_have_its_own_limit(settings):
    from core.body_limit import body_limit_for

    settings.MAX_BODY_BYTES = 1_048_576
    settings.BODY_LIMITS_BY_PREFIX = {"/v1/": 20 * 1_048_576, "/v1/embeddings": 4096}

    assert body_limit_for("/v1/chat/completions") == 20 * 1_048_576
    assert body_limit_for("/v1/embeddings") == 4096  # the longest prefix wins
    assert body_limit_for("/api/chat/") == 1_048_576
    assert body_limit_for("/v1") == 1_048_576
