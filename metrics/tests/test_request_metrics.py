"""The request metrics middleware and GET /api/metrics, on probe routes with a fake clock.

This module is also the URLconf of the probes (pytest.mark.urls(__name__)), so route
patterns with converters, regex groups, async views and streaming are all exercised.
"""

from __future__ import annotations

import uuid

import pytest
import redis
import redis.asyncio as aioredis
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import include, path, re_path

from llmgateway.tests.live import free_port
from metrics import store
from metrics.middleware import route_pattern


class FakeClock:
    """Stands in for time.perf_counter in the middleware; probe views move it forward."""

    now = 1000.0

    def perf_counter(self) -> float:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms / 1000


clock = FakeClock()


def took(request, ms: int, item_id: uuid.UUID | None = None):
    clock.advance(ms)
    return JsonResponse({"ok": True})


async def took_async(request, ms: int, item_id: uuid.UUID):
    clock.advance(ms)
    return JsonResponse({"ok": True})


def status(request, code: int, **_ignored):
    return HttpResponse(status=code)


def stream(request):
    def body():
        clock.advance(60_000)  # the stream's life must not count
        yield b"data: hello\n\n"

    clock.advance(15)
    return StreamingHttpResponse(body(), content_type="text/event-stream")


urlpatterns = [
    path("", include("metrics.monitoring_urls")),
    path("probe/items/<uuid:item_id>/took/<int:ms>", took),
    path("probe/async/<uuid:item_id>/took/<int:ms>", took_async),
    path("probe/took/<int:ms>", took),
    path("probe/status/<int:code>", status),
    path("probe/stream", stream),
    re_path(r"^probe/re/(?P<slug>[a-z]+(-[a-z]+)*)/$", status, {"code": 204}),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def _fresh_metrics_state(monkeypatch):
    """A fake clock and no backoff or deferred counts left over from other tests."""
    monkeypatch.setattr("metrics.middleware.time", clock)
    monkeypatch.setattr(store, "_backoff", store._Backoff())
    monkeypatch.setattr(store, "_deferred", store._Deferred())


def metrics(client) -> dict:
    response = client.get("/api/metrics")
    assert response.status_code == 200
    return response.json()


def test_it_records_status_and_route_pattern_never_raw_ids(client):
    item_id = uuid.uuid4()

    assert client.get(f"/probe/items/{item_id}/took/5").status_code == 200
    client.get(f"/probe/items/{uuid.uuid4()}/took/5")
    client.get("/probe/status/418")

    body = metrics(client)
    assert body["total_requests"] == 3
    assert body["by_status"] == {"200": 2, "418": 1}
    assert body["by_path"] == {
        "GET /probe/items/{item_id}/took/{ms}": 2,
        "GET /probe/status/{code}": 1,
    }
    assert str(item_id) not in str(body)


def test_unmatched_paths_share_one_label(client):
    client.get(f"/nope/{uuid.uuid4()}")
    client.post("/also/missing")

    assert metrics(client)["by_path"] == {"GET <unmatched>": 1, "POST <unmatched>": 1}


def test_regex_routes_get_their_named_groups_as_braces(client):
    assert client.get("/probe/re/big-red-dog/").status_code == 204

    assert metrics(client)["by_path"] == {"GET /probe/re/{slug}/": 1}


@pytest.mark.parametrize(
    ("route", "pattern"),
    [
        ("api/conversations/<uuid:id>", "/api/conversations/{id}"),
        ("api/chat/", "/api/chat/"),
        ("", "/"),
        ("admin/^(?P<app_label>auth|accounts)/$", "/admin/{app_label}/"),
        ("admin/(?P<url>.*)$", "/admin/{url}"),
        (r"^x/(?P<n>\d+(\(y\))?)/<slug:s>$", "/x/{n}/{s}"),
    ],
)
def test_route_patterns(route, pattern):
    assert route_pattern(route) == pattern


def test_average_response_time_is_over_every_request(client):
    for ms in (10, 20, 30):
        client.get(f"/probe/took/{ms}")

    body = metrics(client)
    assert body["total_requests"] == 3
    assert body["avg_response_time_ms"] == 20.0


def test_an_empty_store_reports_zeros(client):
    assert metrics(client) == {
        "total_requests": 0,
        "avg_response_time_ms": 0.0,
        "by_status": {},
        "by_path": {},
        "slowest_top5": [],
    }


def test_slowest_top5_keeps_the_five_slowest_slowest_first(client):
    for ms in (30, 10, 70, 50, 20, 60, 40):
        client.get(f"/probe/took/{ms}", HTTP_X_REQUEST_ID=f"req-{ms}")

    slowest = metrics(client)["slowest_top5"]
    assert [entry["duration_ms"] for entry in slowest] == [70.0, 60.0, 50.0, 40.0, 30.0]
    assert [entry["request_id"] for entry in slowest] == [
        f"req-{ms}" for ms in (70, 60, 50, 40, 30)
    ]
    assert set(slowest[0]) == {"method", "path", "duration_ms", "request_id", "timestamp"}
    assert slowest[0]["method"] == "GET"
    assert slowest[0]["path"] == "/probe/took/{ms}"
    assert slowest[0]["timestamp"].endswith("+00:00")
    assert store.sync_redis().zcard(store.HTTP_SLOWEST) == 5


def test_a_streaming_response_is_recorded_when_it_starts(client):
    response = client.get("/probe/stream")
    assert b"".join(response.streaming_content) == b"data: hello\n\n"

    body = metrics(client)
    assert body["by_path"] == {"GET /probe/stream": 1}
    assert body["slowest_top5"][0]["duration_ms"] == 15.0


def test_metrics_requests_are_recorded_after_they_read(client):
    metrics(client)
    metrics(client)

    assert metrics(client)["by_path"] == {"GET /api/metrics": 2}


@pytest.fixture
def async_stack(settings):
    """Only the middleware under test: WhiteNoise 6 is sync-only and, where it sits in
    settings.MIDDLEWARE, turns every middleware above it sync under ASGI."""
    settings.MIDDLEWARE = [
        "core.middleware.RequestContextMiddleware",
        "metrics.middleware.RequestMetricsMiddleware",
    ]


@pytest.mark.usefixtures("async_stack")
async def test_async_views_are_recorded_through_the_async_client(async_client, monkeypatch):
    monkeypatch.setattr(store, "write", None)  # the sync path would fail the request
    item_id = uuid.uuid4()

    response = await async_client.get(f"/probe/async/{item_id}/took/25")

    assert response.status_code == 200
    body = (await async_client.get("/api/metrics")).json()
    assert body["by_path"] == {"GET /probe/async/{item_id}/took/{ms}": 1}
    assert body["avg_response_time_ms"] == 25.0


def closed_port_client() -> redis.Redis:
    return redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)


def test_requests_succeed_when_redis_is_down_and_it_warns_once(client, monkeypatch, caplog):
    down = closed_port_client()
    monkeypatch.setattr(store, "sync_redis", lambda: down)

    responses = [client.get(f"/probe/took/{ms}") for ms in (1, 2, 3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    warnings = [r for r in caplog.records if r.name == "metrics.store"]
    assert len(warnings) == 1
    assert "Redis unavailable" in warnings[0].getMessage()


@pytest.mark.usefixtures("async_stack")
async def test_async_requests_succeed_when_redis_is_down(async_client, monkeypatch):
    down = aioredis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(store, "async_redis", lambda: down)
    monkeypatch.setattr(store, "write", None)  # the sync path would fail the request

    response = await async_client.get(f"/probe/async/{uuid.uuid4()}/took/1")

    assert response.status_code == 200


def test_api_metrics_answers_503_in_the_envelope_when_redis_is_down(client, monkeypatch):
    monkeypatch.setattr("metrics.monitoring_views.sync_redis", closed_port_client)

    response = client.get("/api/metrics", HTTP_X_REQUEST_ID="down-1")

    assert response.status_code == 503
    assert response.json() == {
        "error": {
            "code": "service_unavailable",
            "message": "Metrics are unavailable: Redis cannot be reached.",
            "details": None,
        },
        "request_id": "down-1",
    }
