"""GET /metrics: Prometheus text format, read from Redis, parsed with prometheus_client."""

from __future__ import annotations

import uuid

import pytest
import redis
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from llmgateway.tests.live import free_port
from metrics import recorders, store

# The probe routes (uuid converters and all) live in the request metrics tests.
pytestmark = pytest.mark.urls("metrics.tests.test_request_metrics")


@pytest.fixture(autouse=True)
def _fresh_metrics_state(monkeypatch):
    monkeypatch.setattr(store, "_backoff", store._Backoff())
    monkeypatch.setattr(store, "_deferred", store._Deferred())


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def samples(family, suffix: str = "") -> dict[tuple, float]:
    """{(sorted label items): value} for one sample name of a family."""
    return {
        tuple(sorted(s.labels.items())): s.value
        for s in family.samples
        if s.name == family.name + suffix
    }


def test_http_requests_are_counted_by_method_route_and_status_without_raw_ids(client):
    item_id = uuid.uuid4()
    client.get(f"/probe/items/{item_id}/took/1")
    client.get(f"/probe/items/{uuid.uuid4()}/took/1")
    client.get("/probe/status/404")

    families = scrape(client)

    requests = samples(families["gateway_http_requests"], "_total")
    route = "/probe/items/{item_id}/took/{ms}"
    assert requests == {
        (("method", "GET"), ("route", route), ("status", "200")): 2.0,
        (("method", "GET"), ("route", "/probe/status/{code}"), ("status", "404")): 1.0,
    }
    durations = families["gateway_http_request_duration_seconds"]
    assert durations.type == "histogram"
    assert samples(durations, "_count")[(("method", "GET"), ("route", route))] == 2.0
    assert str(item_id) not in client.get("/metrics").text


def test_latency_histograms_have_cumulative_buckets_and_sums(client):
    labels = ("POST", "/api/chat/", "200")
    for seconds in (0.003, 0.2, 0.2, 90.0, 500.0):
        store.write(
            lambda pipe, s=seconds: store.observe(
                pipe, store.HTTP_LATENCY, labels, s, store.HTTP_BUCKETS
            )
        )

    durations = scrape(client)["gateway_http_request_duration_seconds"]

    buckets = {
        dict(key)["le"]: value
        for key, value in samples(durations, "_bucket").items()
        if dict(key)["route"] == "/api/chat/"
    }
    assert list(buckets) == [*(str(float(b)) for b in store.HTTP_BUCKETS), "+Inf"]
    assert buckets["0.005"] == 1
    assert buckets["0.1"] == 1
    assert buckets["0.25"] == 3
    assert buckets["60.0"] == 3
    assert buckets["120.0"] == 4
    assert buckets["+Inf"] == 5
    key = (("method", "POST"), ("route", "/api/chat/"))
    assert samples(durations, "_count")[key] == 5
    assert samples(durations, "_sum")[key] == pytest.approx(590.403)


async def test_llm_cache_quota_guard_and_fallback_metrics(async_client):
    await recorders.record_llm_usage("qwen2.5:7b", "search", 120, 30, 1500)
    await recorders.record_llm_usage("qwen2.5:7b", "search", 80, 20, 4000)
    await recorders.record_llm_usage("llama3.2:3b", "general", 10, 5, 90)
    await recorders.record_cache(True)
    await recorders.record_cache(False)
    await recorders.record_cache(False)
    await recorders.record_quota_rejection()
    await recorders.record_guard_block()
    await recorders.record_guard_block()
    await recorders.record_redis_fallback("quota_fail_open")

    response = await async_client.get("/metrics")
    families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}

    search = (("intent", "search"), ("model", "qwen2.5:7b"))
    general = (("intent", "general"), ("model", "llama3.2:3b"))
    assert samples(families["gateway_llm_calls"], "_total") == {search: 2, general: 1}
    tokens = samples(families["gateway_llm_tokens"], "_total")
    assert tokens[(search[0], ("kind", "prompt"), search[1])] == 200
    assert tokens[(search[0], ("kind", "completion"), search[1])] == 50
    latency = families["gateway_llm_latency_seconds"]
    assert samples(latency, "_count") == {search: 2, general: 1}
    assert samples(latency, "_sum")[search] == pytest.approx(5.5)
    assert samples(latency, "_bucket")[(*search[:1], ("le", "2.5"), search[1])] == 1
    assert samples(latency, "_bucket")[(*search[:1], ("le", "5.0"), search[1])] == 2
    assert samples(families["gateway_cache_requests"], "_total") == {
        (("result", "hit"),): 1,
        (("result", "miss"),): 2,
    }
    assert samples(families["gateway_quota_rejections"], "_total") == {(): 1}
    assert samples(families["gateway_guard_blocks"], "_total") == {(): 2}
    assert samples(families["gateway_redis_fallbacks"], "_total") == {
        (("kind", "quota_fail_open"),): 1
    }


async def test_routing_counts_and_the_share_routed_without_the_llm_call(async_client):
    for router, intent in [("fast", "search")] * 3 + [("llm", "search"), ("heuristic", "general")]:
        await recorders.record_routing(router, intent)

    response = await async_client.get("/metrics")
    families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}

    assert samples(families["gateway_routing_decisions"], "_total") == {
        (("intent", "search"), ("router", "fast")): 3,
        (("intent", "search"), ("router", "llm")): 1,
        (("intent", "general"), ("router", "heuristic")): 1,
    }
    assert samples(families["gateway_routing_fast_share"]) == {
        (("intent", "general"),): 0.0,
        (("intent", "search"),): 0.75,
    }


def test_an_empty_store_still_exposes_every_family_with_zero_counters(client):
    families = scrape(client)

    assert set(families) == {
        "gateway_http_requests",
        "gateway_http_request_duration_seconds",
        "gateway_llm_calls",
        "gateway_llm_tokens",
        "gateway_llm_latency_seconds",
        "gateway_cache_requests",
        "gateway_quota_rejections",
        "gateway_guard_blocks",
        "gateway_redis_fallbacks",
        "gateway_routing_decisions",
        "gateway_routing_fast_share",
        # The Ollama fleet (metrics/fleet_prometheus.py).
        "gateway_ollama_backend_state",
        "gateway_ollama_backend_in_flight",
        "gateway_ollama_backend_queued",
        "gateway_ollama_backend_calls",
        "gateway_ollama_backend_failures",
        "gateway_ollama_queue_wait_seconds",
        "gateway_llm_compute_seconds",
        "gateway_llm_time_to_first_token_seconds",
        "gateway_llm_output_tokens_per_second",
    }
    assert samples(families["gateway_quota_rejections"], "_total") == {(): 0}
    assert samples(families["gateway_cache_requests"], "_total") == {
        (("result", "hit"),): 0,
        (("result", "miss"),): 0,
    }


def test_scrapes_are_counted_like_any_other_request(client):
    client.get("/metrics")

    requests = samples(scrape(client)["gateway_http_requests"], "_total")

    assert requests == {(("method", "GET"), ("route", "/metrics"), ("status", "200")): 1}


def test_only_get_and_head_are_allowed(client):
    response = client.post("/metrics")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_it_answers_503_in_the_envelope_when_redis_is_down(client, monkeypatch):
    down = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr("metrics.prometheus.sync_redis", lambda: down)

    response = client.get("/metrics")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
