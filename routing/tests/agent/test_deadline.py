"""The whole run has a deadline (AGENT_DEADLINE_SECONDS), beyond each call's OLLAMA_TIMEOUT.

A creative request can make many LLM calls, each within OLLAMA_TIMEOUT and all together far
beyond what the proxy in front of the gateway waits; the deadline ends the run first.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from ollama_testserver import Reply
from routing.agent.runner import AgentToken, run_agent, stream_agent
from routing.ollama.errors import LlmUnavailableError
from routing.tests.agent.helpers import classification
from routing.tests.agent.server_script import classify_as


async def drain(query: str, history: list[dict]) -> list:
    return [event async for event in stream_agent(query, history)]


RUNNERS = [pytest.param(run_agent, id="run"), pytest.param(drain, id="stream")]


@pytest.mark.parametrize("run", RUNNERS)
async def test_a_slow_answer_runs_into_the_deadline(ollama, settings, run):
    settings.AGENT_DEADLINE_SECONDS = 0.5
    classify_as(ollama, "general")
    # Every chunk arrives well within OLLAMA_TIMEOUT; the whole answer takes 3 seconds.
    ollama.set_default(Reply(content="one two three four five six", chunk_interval=0.5))
    started = time.monotonic()
    with pytest.raises(LlmUnavailableError, match="deadline"):
        await run("Count slowly", [])
    assert time.monotonic() - started < 2
    # The in-flight request was cancelled: Ollama saw the client leave.
    await ollama.async_wait_for(lambda: ollama.disconnects == 1)
    await ollama.async_wait_for(lambda: ollama.active_streams == 0)


@pytest.mark.parametrize("run", RUNNERS)
async def test_many_quick_calls_share_one_deadline(script, settings, run):
    settings.AGENT_DEADLINE_SECONDS = 0.3

    async def slow(call):
        await asyncio.sleep(0.1)

    script.gate = slow
    script.add(classification("general"), structured=True)
    script.add("", structured=False)  # empty answers: retried until the fallback
    with pytest.raises(LlmUnavailableError, match="deadline"):
        await run("Hello", [])
    assert len(script.calls) < 6  # 2 calls x 3 attempts would have finished


async def test_a_run_within_the_deadline_is_untouched(script, settings):
    settings.AGENT_DEADLINE_SECONDS = 5
    script.add(classification("general"), structured=True)
    assert (await run_agent("Hello", [])).outcome == "ok"


async def test_a_slow_consumer_gets_the_deadline_error_from_the_stream(script, settings):
    # The consumer's own awaits are never cancelled: the stream raises on its next step.
    settings.AGENT_DEADLINE_SECONDS = 0.2
    script.add(classification("general"), structured=True)
    stream = stream_agent("Hello there", [])
    async for event in stream:
        if isinstance(event, AgentToken):
            break
    await asyncio.sleep(0.3)
    with pytest.raises(LlmUnavailableError, match="deadline"):
        async for _ in stream:
            pass
