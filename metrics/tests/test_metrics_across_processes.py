"""Two live Daphne processes share one set of metrics, because the metrics live in Redis.

Each scrape is recorded after it has read, so a read never counts itself but the next one
counts it (one more GET /api/metrics or GET /metrics per earlier read).
"""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

REQUESTS_PER_PROCESS = 6

pytestmark = pytest.mark.slow


def api_metrics(base_url: str) -> dict:
    response = httpx.get(f"{base_url}/api/metrics", timeout=10)
    assert response.status_code == 200
    return response.json()


def prometheus_requests(base_url: str) -> dict[tuple[str, str, str], float]:
    response = httpx.get(f"{base_url}/metrics", timeout=10)
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    return {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for s in families["gateway_http_requests"].samples
        if s.name == "gateway_http_requests_total"
    }


def test_totals_add_up_across_two_processes(live_gateway_factory):
    first, second = live_gateway_factory(processes=2).urls
    # Start-up probes already hit /health; measure from a baseline.
    baseline = api_metrics(first)

    with httpx.Client(timeout=10) as client:
        for url in (first, second):
            for _ in range(REQUESTS_PER_PROCESS):
                assert client.get(f"{url}/api/metrics/nope").status_code == 404
                assert client.get(f"{url}/health").status_code == 200

    sent = 2 * 2 * REQUESTS_PER_PROCESS
    from_second = api_metrics(second)
    assert from_second["total_requests"] == baseline["total_requests"] + 1 + sent
    assert from_second["by_path"]["GET <unmatched>"] == 2 * REQUESTS_PER_PROCESS
    health_before = baseline["by_path"].get("GET /health", 0)
    assert from_second["by_path"]["GET /health"] == health_before + 2 * REQUESTS_PER_PROCESS
    assert from_second["by_path"]["GET /api/metrics"] == 1

    for url, api_reads in ((first, 2), (second, 2)):
        requests = prometheus_requests(url)
        assert requests[("GET", "<unmatched>", "404")] == 2 * REQUESTS_PER_PROCESS
        assert requests[("GET", "/health", "200")] == health_before + 2 * REQUESTS_PER_PROCESS
        assert requests[("GET", "/api/metrics", "200")] == api_reads

    final = api_metrics(first)
    assert final["total_requests"] == baseline["total_requests"] + 4 + sent
    assert final["by_path"]["GET /metrics"] == 2
    assert sum(final["by_status"].values()) == final["total_requests"]
