"""Redis really stopped and started again, under a live gateway (a private redis-server).

Policy (docs/RELIABILITY.md): Redis is an accelerator, never a dependency of answering.
With Redis down chat keeps answering without the cache, the quota is counted in the
process's memory (QUOTA_WHEN_REDIS_DOWN=local, the default: a warning in the log, and
`gateway_redis_fallbacks_total{kind="quota_local"}` once Redis is back), /health says
`degraded` with a 200, and no request hangs. When Redis returns, caching and quota resume
without a restart once the circuit breaker's probe finds it (REDIS_BREAKER_COOLDOWN, short
here), and nothing durable was lost. The other policies: test_quota_burst.py.
"""

from __future__ import annotations

import re
import time

import pytest

from conversations.models import Conversation
from llmgateway.tests.reliability.client import CHAT, stream_events
from llmgateway.tests.reliability.conftest import client_for
from llmgateway.tests.reliability.redis_process import RedisProcess
from metrics.models import UsageRecord

QUOTA = 3
NEVER_HANGS_SECONDS = 5.0

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    server = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis(private_redis, gateway):
    """The private Redis, running, empty, and seen by the gateway at the start of the test."""
    if private_redis.process is None:
        private_redis.start()
    private_redis.client().flushall()
    with client_for(gateway) as http:
        wait_until_redis_is_back(http)
    return private_redis


@pytest.fixture(scope="module")
def gateway(start_gateway, private_redis, ollama_server_session):
    return start_gateway(
        REDIS_URL=private_redis.url,
        OLLAMA_URL=ollama_server_session.url,
        QUOTA_PER_MINUTE=str(QUOTA),
        REDIS_BREAKER_COOLDOWN="0.2",
    )


@pytest.fixture
def quota_user(transactional_db, outsider):
    """Mallory, on the default quota (QUOTA_PER_MINUTE)."""
    return outsider


def chat(http, query: str):
    started = time.monotonic()
    response = http.post(CHAT, json={"query": query})
    return response, time.monotonic() - started


def wait_until_redis_is_back(http) -> None:
    """Redis answers again once the breaker's probe has found it (one cool-down)."""
    deadline = time.monotonic() + NEVER_HANGS_SECONDS
    while http.get("/health").json()["checks"]["redis"] != "ok":
        assert time.monotonic() < deadline, "the gateway never saw Redis again"
        time.sleep(0.05)


def fallback_count(http, kind: str) -> float:
    text = http.get("/metrics").text
    found = re.search(rf'^gateway_redis_fallbacks_total{{kind="{kind}"}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def test_chat_keeps_answering_without_the_cache_while_redis_is_down(
    gateway, redis, ollama, chat_user
):
    redis.stop()
    with client_for(gateway, chat_user) as http:
        first, seconds = chat(http, "What is a lighthouse?")
        again, _ = chat(http, "What is a lighthouse?")

    assert first.status_code == 200, first.text
    assert seconds < NEVER_HANGS_SECONDS
    assert again.status_code == 200
    assert again.json()["cached"] is False  # no cache without Redis, but an answer
    assert UsageRecord.objects.filter(outcome="ok").count() == 2


def test_streaming_keeps_working_while_redis_is_down(gateway, redis, ollama, chat_user):
    redis.stop()
    with client_for(gateway, chat_user) as http:
        events = stream_events(http, "Describe a harbour at night")

    assert events[0].event == "meta"
    assert events[-1].event == "done"
    assert events[-1].data["response"]


def test_the_quota_still_holds_in_memory_while_redis_is_down(gateway, redis, ollama, quota_user):
    redis.stop()
    with client_for(gateway, quota_user) as http:
        statuses = [chat(http, f"question {n}")[0].status_code for n in range(QUOTA + 2)]

    assert statuses == [200] * QUOTA + [429] * 2
    assert "quota: Redis unavailable, policy 'local'" in gateway.log_tail(400)


def test_quota_fallbacks_are_counted_in_metrics_once_redis_is_back(
    gateway, redis, ollama, quota_user
):
    with client_for(gateway, quota_user) as http:
        redis.stop()
        for n in range(2):
            chat(http, f"question {n}")
        # A fresh, empty Redis: only the fallbacks kept in the process remain (this test's
        # two, and any an earlier test left unwritten).
        redis.start()

        deadline = time.monotonic() + NEVER_HANGS_SECONDS
        while fallback_count(http, "quota_local") < 2:
            assert time.monotonic() < deadline, "the fallbacks never reached /metrics"
            time.sleep(0.2)


def test_quota_is_enforced_again_after_redis_restarts(gateway, redis, ollama, quota_user):
    with client_for(gateway, quota_user) as http:
        chat(http, "warm-up")
        redis.restart()
        statuses = [chat(http, f"question {n}")[0].status_code for n in range(QUOTA + 3)]

    assert statuses[-1] == 429, statuses


def test_quota_counts_every_request_again_after_redis_restarts(gateway, redis, ollama, quota_user):
    with client_for(gateway, quota_user) as http:
        chat(http, "warm-up")  # the gateway now holds pooled connections to this Redis
        redis.restart()
        statuses = [chat(http, f"question {n}")[0].status_code for n in range(QUOTA + 1)]

    assert statuses == [200] * QUOTA + [429]


def test_the_cache_works_again_after_redis_restarts(gateway, redis, ollama, chat_user):
    with client_for(gateway, chat_user) as http:
        redis.stop()
        chat(http, "Why is the sky blue?")
        redis.start()
        wait_until_redis_is_back(http)
        first, _ = chat(http, "Why is the sky blue?")
        second, _ = chat(http, "Why is the sky blue?")

    assert first.json()["cached"] is False
    assert second.json()["cached"] is True


def test_health_is_degraded_but_200_while_redis_is_down(gateway, redis, ollama):
    redis.stop()
    with client_for(gateway) as http:
        down = http.get("/health")
        redis.start()
        wait_until_redis_is_back(http)
        back = http.get("/health")

    assert down.status_code == 200
    assert down.json()["status"] == "degraded"
    assert down.json()["checks"] == {"database": "ok", "redis": "down", "ollama": "ok"}
    assert (back.status_code, back.json()["status"]) == (200, "ok")


def test_requests_do_not_hang_when_redis_stops_answering(gateway, redis, ollama, chat_user):
    """A frozen Redis (SIGSTOP: connections open, no replies) costs timeouts, not a hang."""
    redis.freeze()
    try:
        with client_for(gateway, chat_user) as http:
            response, seconds = chat(http, "What is a fjord?")
            health = http.get("/health")
    finally:
        redis.thaw()

    assert response.status_code == 200, response.text
    assert seconds < NEVER_HANGS_SECONDS
    assert health.json()["checks"]["redis"] == "down"


def test_restarting_redis_loses_no_durable_data(gateway, redis, ollama, chat_user, admin_user):
    with client_for(gateway, chat_user) as http:
        ids = [chat(http, f"durable question {n}")[0].json()["conversation_id"] for n in range(3)]

    redis.restart()

    assert set(map(str, Conversation.objects.values_list("id", flat=True))) == set(ids)
    assert UsageRecord.objects.filter(user=chat_user).count() == 3
    with client_for(gateway, admin_user) as admin, client_for(gateway, chat_user) as http:
        usage = admin.get("/api/admin/usage", params={"days": 1})
        listing = http.get("/api/conversations/")
    assert usage.status_code == 200, usage.text
    assert usage.json()["totals"]["requests"] == 3
    [bob] = usage.json()["by_user"]
    assert (bob["username"], bob["requests"]) == (chat_user.username, 3)
    assert {item["id"] for item in listing.json()["results"]} == set(ids)
