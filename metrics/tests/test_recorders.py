"""The recorders the chat pipeline calls: what each writes to Redis, and Redis-down safety."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from core.redis_client import async_redis
from llmgateway.tests.live import free_port
from metrics import recorders, store


@pytest.fixture(autouse=True)
def _fresh_metrics_state(monkeypatch):
    monkeypatch.setattr(store, "_backoff", store._Backoff())
    monkeypatch.setattr(store, "_deferred", store._Deferred())


@pytest.fixture
def redis_down(monkeypatch):
    """Point the store's async client at a port nothing listens on."""
    down = aioredis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(store, "async_redis", lambda: down)
    return monkeypatch


def stored(key: str) -> dict[str, str]:
    return store.decode_hash(store.sync_redis().hgetall(key))


async def test_llm_usage_counts_calls_tokens_and_latency_by_model_and_intent():
    await recorders.record_llm_usage("qwen2.5:7b", "search", 120, 30, 1500)
    await recorders.record_llm_usage("qwen2.5:7b", "search", 80, 20, 4000)
    await recorders.record_llm_usage("llama3.2:3b", "general", 10, 5, 90)

    assert stored(store.LLM_CALLS) == {"qwen2.5:7b\tsearch": "2", "llama3.2:3b\tgeneral": "1"}
    assert stored(store.LLM_TOKENS) == {
        "qwen2.5:7b\tsearch\tprompt": "200",
        "qwen2.5:7b\tsearch\tcompletion": "50",
        "llama3.2:3b\tgeneral\tprompt": "10",
        "llama3.2:3b\tgeneral\tcompletion": "5",
    }
    latency = stored(store.LLM_LATENCY)
    assert latency["qwen2.5:7b\tsearch\t2.5"] == "1"
    assert latency["qwen2.5:7b\tsearch\t5.0"] == "1"
    assert float(latency["qwen2.5:7b\tsearch\tsum"]) == pytest.approx(5.5)
    assert latency["llama3.2:3b\tgeneral\t0.1"] == "1"


async def test_cache_counts_hits_and_misses():
    await recorders.record_cache(True)
    await recorders.record_cache(False)
    await recorders.record_cache(True)

    assert stored(store.CACHE) == {"hit": "2", "miss": "1"}


async def test_quota_rejections_and_guard_blocks_are_counted():
    await recorders.record_quota_rejection()
    await recorders.record_quota_rejection()
    await recorders.record_guard_block()

    assert stored(store.EVENTS) == {"quota_rejections": "2", "guard_blocks": "1"}


async def test_redis_fallbacks_are_counted_by_kind():
    await recorders.record_redis_fallback("quota_fail_open")
    await recorders.record_redis_fallback("cache_bypass")

    assert stored(store.REDIS_FALLBACKS) == {"quota_fail_open": "1", "cache_bypass": "1"}


async def test_recorders_never_raise_when_redis_is_down(redis_down):
    await recorders.record_llm_usage("qwen2.5:7b", "analysis", 1, 1, 10)
    await recorders.record_cache(hit=False)
    await recorders.record_quota_rejection()
    await recorders.record_guard_block()
    await recorders.record_redis_fallback("quota_fail_open")

    assert stored(store.LLM_CALLS) == {}


async def test_fallbacks_seen_while_redis_is_down_are_written_once_it_is_back(redis_down):
    await recorders.record_redis_fallback("quota_fail_open")
    await recorders.record_redis_fallback("quota_fail_open")
    redis_down.setattr(store, "async_redis", async_redis)  # Redis is reachable again

    await recorders.record_cache(hit=True)

    assert stored(store.REDIS_FALLBACKS) == {"quota_fail_open": "2"}
    assert stored(store.CACHE) == {"hit": "1"}
