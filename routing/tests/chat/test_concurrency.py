"""The chat views are asynchronous end to end: waiting on Ollama holds no worker thread."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from ollama_testserver import Reply
from routing.tests.chat.helpers import CHAT, bearer

CHATS = 50
MODEL_DELAY_SECONDS = 1.0
# Run one after another, 50 chats of two slow model calls each would take 100 s.
LOOSE_BOUND_SECONDS = 20.0


async def _chat_all(url: str, headers: dict) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=CHATS)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) as c:
        return await asyncio.gather(
            *(c.post(CHAT, json={"query": f"Slow question {i}"}) for i in range(CHATS))
        )


@pytest.mark.slow
def test_fifty_slow_chats_finish_together_on_one_process(gateway, ollama, chat_user):
    routing = {"intent": "general", "confidence": 0.9, "complexity": "simple"}
    ollama.on_structured(Reply(content=json.dumps(routing), first_token_delay=MODEL_DELAY_SECONDS))
    ollama.set_default(Reply(content="Worth the wait.", first_token_delay=MODEL_DELAY_SECONDS))
    assert len(gateway.processes) == 1

    started = time.monotonic()
    responses = asyncio.run(_chat_all(gateway.url, bearer(chat_user)))
    elapsed = time.monotonic() - started

    assert [r.status_code for r in responses] == [200] * CHATS
    assert {r.json()["response"] for r in responses} == {"Worth the wait."}
    assert elapsed < LOOSE_BOUND_SECONDS
