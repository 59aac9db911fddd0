import pytest


@pytest.mark.django_db
def test_it_reports_degraded_when_ollama_is_down(api_client):
    response = api_client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"] == {"database": "ok", "redis": "ok", "ollama": "down"}
    assert [b["state"] for b in body["ollama_backends"]] == ["down"]
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_it_answers_unknown_paths_with_the_error_envelope(api_client):
    response = api_client.get("/nope", HTTP_X_REQUEST_ID="abc-123")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "details": None},
        "request_id": "abc-123",
    }
    assert response["X-Request-ID"] == "abc-123"


def test_a_live_gateway_serves_health_over_http(live_gateway):
    import httpx

    response = httpx.get(f"{live_gateway.url}/health", headers={"X-Request-ID": "live-1"})

    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
    assert response.headers["X-Request-ID"] == "live-1"


@pytest.mark.django_db
def test_it_reports_ok_when_every_dependency_answers(api_client, ollama_server):
    response = api_client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "redis": "ok", "ollama": "ok"}
    assert body["ollama_backends"] == [{"url": ollama_server.url, "state": "up", "error": ""}]
    # The probes never load a model: no /api/chat, /api/generate or /api/show.
    assert {r.path for r in ollama_server.requests} == {"/api/tags", "/api/ps", "/api/version"}


@pytest.mark.django_db
def test_checks_run_at_most_once_per_cache_period(api_client, ollama_server, settings):
    from metrics.health import _last

    settings.HEALTH_CACHE_SECONDS = 60
    _last.forget()
    try:
        first = api_client.get("/health").json()
        probes = len(ollama_server.requests)
        for _ in range(5):
            assert api_client.get("/health").json() == first
        assert len(ollama_server.requests) == probes
    finally:
        _last.forget()


@pytest.mark.django_db
def test_other_methods_get_the_envelope_and_head_the_headers(api_client):
    # /health dispatches on the event loop (core.views.OpenAsyncApiView), not through adrf.
    post = api_client.post("/health")
    head = api_client.head("/health")

    assert post.status_code == 405
    assert post.json()["error"]["code"] == "method_not_allowed"
    assert head.status_code == 200
    assert head["Content-Type"] == "application/json"
