"""The shipped nginx config, run for real: syntax, per-IP rate limit, proxying."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bench.nginx_harness import (
    BASE_DIR,
    NGINX,
    config_test,
    render_config,
    start_nginx,
)

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx)"
)


def test_nginx_accepts_the_config(tmp_path):
    config = render_config(["127.0.0.1:8001", "127.0.0.1:8002"], 18080, tmp_path)

    result = config_test(config)

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_config_sets_the_spec_limits_and_sse_handling():
    config = (BASE_DIR / "nginx/nginx.conf").read_text()
    assert "rate=10r/s" in config
    assert "burst=20" in config
    assert "proxy_read_timeout 300s;" in config
    stream_block = config.split("location = /api/chat/stream", 1)[1].split("}", 1)[0]
    assert "proxy_buffering off;" in stream_block
    assert "proxy_cache off;" in stream_block
    assert "location = /docs" in config
    assert "location = /openapi.json" in config


@pytest.fixture
def nginx_in_front(live_gateway_factory, tmp_path):
    gateway = live_gateway_factory(processes=2)
    nginx = start_nginx(gateway.urls, tmp_path)
    yield nginx
    nginx.stop()


async def _burst(url: str, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=10) as client:
        return await asyncio.gather(*(client.get(f"{url}/health") for _ in range(count)))


def test_a_burst_beyond_the_limit_is_rejected_while_the_rest_pass(nginx_in_front):
    responses = asyncio.run(_burst(nginx_in_front.url, 60))

    passed = [r for r in responses if r.status_code == 200]
    rejected = [r for r in responses if r.status_code == 429]
    assert len(passed) + len(rejected) == 60, sorted(
        {(r.status_code, r.text[:300]) for r in responses if r.status_code != 429}
    )
    # about burst 20 plus the one the rate admits, a few more if the burst spans >100 ms
    assert 20 <= len(passed) <= 35
    assert rejected
    body = rejected[0].json()
    assert body["error"]["code"] == "rate_limited"
    assert body["request_id"]
    assert rejected[0].headers["Retry-After"] == "1"
    assert rejected[0].headers["X-Request-ID"] == body["request_id"]


def test_it_proxies_docs_and_schema(nginx_in_front):
    schema = httpx.get(f"{nginx_in_front.url}/openapi.json", timeout=10)
    docs = httpx.get(f"{nginx_in_front.url}/docs", timeout=10)

    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "LLM Gateway API"
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_an_unreachable_gateway_is_a_503_envelope_not_an_html_page(tmp_path):
    from llmgateway.tests.live import free_port

    nginx = start_nginx([f"127.0.0.1:{free_port()}"], tmp_path, wait_path=None)
    try:
        response = httpx.get(f"{nginx.url}/health", headers={"X-Request-ID": "edge-1"}, timeout=10)
    finally:
        nginx.stop()

    assert response.status_code == 503
    assert response.headers["X-Request-ID"] == "edge-1"
    assert response.json() == {
        "error": {
            "code": "service_unavailable",
            "message": "The gateway is unavailable or took too long; please try again shortly.",
            "details": None,
        },
        "request_id": "edge-1",
    }


def test_a_client_cannot_spoof_its_address_through_x_forwarded_for(nginx_in_front):
    # nginx overwrites the header, so the gateway sees one entry: the real peer.
    response = httpx.get(
        f"{nginx_in_front.url}/openapi.json",
        headers={"X-Forwarded-For": "203.0.113.9"},
        timeout=10,
    )

    assert response.status_code == 200
    config = (BASE_DIR / "nginx/nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in config
    assert "$proxy_add_x_forwarded_for" not in config


def test_multipart_bodies_get_a_415_envelope_at_the_edge(nginx_in_front):
    response = httpx.post(
        f"{nginx_in_front.url}/api/auth/login",
        content=b"{}",
        headers={"Content-Type": "multipart/form-data", "X-Request-ID": "mp-1"},
        timeout=10,
    )

    assert response.status_code == 415
    assert response.headers["X-Request-ID"] == "mp-1"
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_sse_tokens_arrive_through_nginx_as_the_model_produces_them(
    ollama_server, user, live_gateway_factory, tmp_path
):
    from ollama_testserver import Reply
    from routing.tests.chat.helpers import bearer, is_answer_request, iter_sse, route_to_general

    route_to_general(ollama_server)
    answer = " ".join(f"word{i}" for i in range(12))
    ollama_server.add_rule(
        Reply(content=answer, chunk_count=12, chunk_interval=0.25), when=is_answer_request
    )
    gateway = live_gateway_factory()
    nginx = start_nginx(gateway.urls, tmp_path)
    try:
        with (
            httpx.Client(base_url=nginx.url, headers=bearer(user), timeout=30) as http,
            http.stream("POST", "/api/chat/stream", json={"query": "tell me a story"}) as response,
        ):
            assert response.headers["X-Accel-Buffering"] == "no"
            token_times, done_at = [], None
            for item in iter_sse(response):
                if item.event == "token":
                    token_times.append(time.monotonic())
                    # Unbuffered end to end: the model still has most of its answer to write.
                    if len(token_times) == 1:
                        assert ollama_server.active_streams == 1
                elif item.event == "done":
                    done_at = time.monotonic()
    finally:
        nginx.stop()

    assert len(token_times) >= 10
    assert done_at is not None
    # Tokens are spread over the model's ~3 s of writing, not delivered in one flush.
    assert token_times[-1] - token_times[0] > 1.0
