"""Usage accounting: the seed's Redis keys, exactly, and one ledger row per chat request."""

from __future__ import annotations

import json

from core.redis_client import sync_redis
from metrics.models import UsageRecord
from metrics.usage import UsageEntry, usage_publish
from routing.tests.chat.helpers import CHAT


def test_it_writes_the_usage_keys_of_the_spec(http, chat_user):
    body = http.post(CHAT, json={"query": "How far is the Moon?"}).json()
    redis = sync_redis()
    prefix = f"log:{chat_user.pk}"

    log_keys = {k.decode() for k in redis.scan_iter("log:*")}
    assert log_keys == {f"{prefix}:total_tokens", f"{prefix}:request_count", f"{prefix}:history"}
    assert int(redis.get(f"{prefix}:total_tokens")) == body["usage"]["total_tokens"] > 0
    assert int(redis.get(f"{prefix}:request_count")) == 1
    assert redis.ttl(f"{prefix}:total_tokens") == -1  # lifetime counters never expire
    (entry,) = [json.loads(item) for item in redis.lrange(f"{prefix}:history", 0, -1)]
    assert entry["conversation_id"] == body["conversation_id"]
    assert entry["total_tokens"] == body["usage"]["total_tokens"]
    assert (entry["outcome"], entry["cached"]) == ("ok", False)


def test_it_writes_one_ledger_row_per_request(http, chat_user):
    body = http.post(CHAT, json={"query": "How far is the Moon?"}).json()

    record = UsageRecord.objects.get()
    assert record.user_id == chat_user.pk
    assert str(record.conversation_id) == body["conversation_id"]
    assert (record.intent, record.model) == (body["intent"], body["model"])
    assert record.prompt_tokens == body["usage"]["prompt_tokens"]
    assert record.completion_tokens == body["usage"]["completion_tokens"]
    assert (record.outcome, record.cached, record.api_key_id) == ("ok", False, None)
    assert record.latency_ms > 0


async def test_the_history_keeps_the_last_100_requests():
    entry = UsageEntry(
        user_id="u1",
        api_key_id=None,
        conversation_id=None,
        intent="general",
        model="m",
        prompt_tokens=2,
        completion_tokens=3,
        cached=False,
        outcome="ok",
        latency_ms=5,
    )
    for _ in range(105):
        await usage_publish(entry)

    redis = sync_redis()
    assert redis.llen("log:u1:history") == 100
    assert int(redis.get("log:u1:total_tokens")) == 105 * 5
    assert int(redis.get("log:u1:request_count")) == 105
