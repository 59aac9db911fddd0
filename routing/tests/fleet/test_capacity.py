"""OLLAMA_MAX_CONCURRENCY: the cap holds under a burst, and a call waits at most the queue
timeout before 503 "all backends busy"."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import HumanMessage

from ollama_testserver import Reply
from routing.ollama import chat_models as llm
from routing.ollama.fleet_errors import BUSY_MESSAGE, BackendsBusyError

HI = [HumanMessage("hi")]
MODEL = "llama3.2:3b"


async def ask() -> str:
    return llm.text_of(await llm.call(llm.chat_model(MODEL), HI, model=MODEL))


async def test_a_burst_never_exceeds_the_cap_on_any_backend(pair, settings):
    settings.OLLAMA_MAX_CONCURRENCY = 2
    for server in pair:
        server.set_default(Reply(content="ok", first_token_delay=0.1))

    answers = await asyncio.gather(*(ask() for _ in range(24)))

    assert answers == ["ok"] * 24
    assert [server.peak_active_streams for server in pair] == [2, 2]
    assert sum(len(server.chat_requests) for server in pair) == 24


async def test_without_a_cap_a_burst_runs_at_once(pair):
    for server in pair:
        server.set_default(Reply(content="ok", first_token_delay=0.3))

    await asyncio.gather(*(ask() for _ in range(10)))

    assert [server.peak_active_streams for server in pair] == [5, 5]


async def test_a_call_that_waits_longer_than_the_queue_timeout_is_busy(pair, settings):
    settings.OLLAMA_MAX_CONCURRENCY = 1
    settings.OLLAMA_QUEUE_TIMEOUT = 0.05
    for server in pair:
        server.set_default(Reply(content="slow", first_token_delay=2.0))

    results = await asyncio.gather(*(ask() for _ in range(3)), return_exceptions=True)

    assert results.count("slow") == 2
    [busy] = [r for r in results if isinstance(r, Exception)]
    assert isinstance(busy, BackendsBusyError)
    assert str(busy) == BUSY_MESSAGE


async def test_the_busy_error_is_a_503_llm_unavailable(pair, settings):
    from routing.ollama.errors import LlmUnavailableError

    assert issubclass(BackendsBusyError, LlmUnavailableError)
    with pytest.raises(LlmUnavailableError):
        raise BackendsBusyError(BUSY_MESSAGE)
