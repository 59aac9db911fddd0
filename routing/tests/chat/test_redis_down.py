"""With Redis down the chat still answers: quota fails open (QUOTA_WHEN_REDIS_DOWN=open;
the other policies: llmgateway/tests/reliability/test_quota_burst.py), the cache is skipped,
and the ledger row (PostgreSQL) is still written."""

from __future__ import annotations

import httpx

from metrics.models import UsageRecord
from routing.tests.chat.helpers import CHAT, bearer

NOTHING_LISTENS = "redis://127.0.0.1:9/0"


def test_chats_are_answered_without_redis(live_gateway_factory, ollama, chat_user):
    gateway = live_gateway_factory(REDIS_URL=NOTHING_LISTENS, QUOTA_WHEN_REDIS_DOWN="open")
    headers = bearer(chat_user)

    responses = [
        httpx.post(f"{gateway.url}{CHAT}", headers=headers, json={"query": "Hi!"}, timeout=30)
        for _ in range(2)
    ]

    assert [r.status_code for r in responses] == [200, 200]
    assert [r.json()["cached"] for r in responses] == [False, False]
    assert "X-RateLimit-Limit" not in responses[0].headers
    assert "redis;dur=" in responses[0].headers["Server-Timing"]
    assert list(UsageRecord.objects.values_list("outcome", flat=True)) == ["ok", "ok"]
    log = gateway.processes[0].log_path.read_text()
    assert "quota: Redis unavailable, policy 'open'" in log
