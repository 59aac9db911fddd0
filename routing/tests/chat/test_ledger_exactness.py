"""Every admitted chat leaves exactly one ledger row and counts once (issue: hardening).

Against a live gateway: the conversation deleted while its answer is being written, the
client gone within milliseconds, the model failing. Admission, the stored question and
the ledger row are all or nothing.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conversations.models import Conversation, Message
from core.redis_client import sync_redis
from metrics.models import UsageRecord
from ollama_testserver import Reply
from routing.tests.chat.helpers import CHAT, STREAM, bearer, is_answer_request, iter_sse

QUESTION = "Tell me about the tides, slowly please."
ANSWER = "The tides follow the moon around the earth."


def _new_conversation(http: httpx.Client) -> str:
    response = http.post("/api/conversations/", json={"title": "doomed"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _wait_until(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_a_conversation_deleted_mid_answer_is_still_answered_and_billed(http, ollama):
    ollama.add_rule(Reply(content=ANSWER, first_token_delay=1.0), when=is_answer_request)
    conversation_id = _new_conversation(http)

    with ThreadPoolExecutor(1) as pool:
        chat = pool.submit(
            http.post, CHAT, json={"query": QUESTION, "conversation_id": conversation_id}
        )
        ollama.wait_for(lambda: any(is_answer_request(r.body) for r in ollama.chat_requests))
        deleted = http.delete(f"/api/conversations/{conversation_id}")
        response = chat.result(timeout=30)

    assert deleted.status_code == 204
    assert response.status_code == 200, response.text
    assert response.json()["response"] == ANSWER
    record = UsageRecord.objects.get()
    assert (record.outcome, record.conversation_id) == ("ok", None)
    assert record.completion_tokens > 0
    assert not Conversation.objects.filter(pk=conversation_id).exists()
    assert not Message.objects.exists()


def test_a_stream_whose_conversation_is_deleted_ends_with_done_and_its_row(http, ollama):
    ollama.add_rule(Reply(content=ANSWER, chunk_interval=0.1), when=is_answer_request)
    conversation_id = _new_conversation(http)

    events = []
    payload = {"query": QUESTION, "conversation_id": conversation_id}
    with http.stream("POST", STREAM, json=payload) as response:
        for item in iter_sse(response):
            events.append(item.event)
            if events.count("token") == 2:
                assert http.delete(f"/api/conversations/{conversation_id}").status_code == 204

    assert events[-1] == "done"
    assert "error" not in events
    record = UsageRecord.objects.get()
    assert (record.outcome, record.conversation_id) == ("ok", None)


def test_a_failing_model_still_leaves_its_row(http, ollama):
    ollama.add_rule(Reply(fault="http_500"), when=is_answer_request)

    response = http.post(CHAT, json={"query": QUESTION})

    assert response.status_code == 503
    record = UsageRecord.objects.get()
    assert record.outcome == "error"
    assert Message.objects.filter(role="user").count() == 1


@pytest.mark.slow
def test_clients_that_leave_at_once_leave_a_row_for_each_stored_question(
    gateway, chat_user, ollama
):
    """Cut off after 1-60 ms: each request leaves nothing, or its question and its row."""
    ollama.add_rule(Reply(content=ANSWER, first_token_delay=0.3), when=is_answer_request)

    async def leave_early(delay: float) -> None:
        async with httpx.AsyncClient(base_url=gateway.url, headers=bearer(chat_user)) as client:
            try:
                async with asyncio.timeout(delay):
                    await client.post(CHAT, json={"query": f"{QUESTION} {delay}"})
            except TimeoutError:
                pass

    async def burst() -> None:
        await asyncio.gather(*(leave_early(0.001 + i * 0.003) for i in range(20)))

    asyncio.run(burst())

    def settled() -> bool:
        questions = Message.objects.filter(role="user").count()
        return questions == UsageRecord.objects.count() and not ollama.active_streams

    _wait_until(settled)
    questions = Message.objects.filter(role="user").count()
    assert UsageRecord.objects.count() == questions
    # Quota units of requests that left before their question was stored are given back.
    redis = sync_redis()
    # The minute counters only (the count script's per-request markers have a 4th part).
    counters = [k for k in redis.scan_iter(f"quota:{chat_user.pk}:*") if k.count(b":") == 2]
    counted = sum(int(redis.get(key)) for key in counters)
    assert counted == questions
