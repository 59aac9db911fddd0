"""Ollama failures end in LlmUnavailableError, through run_agent and stream_agent alike."""

from __future__ import annotations

import pytest

from ollama_testserver import Reply
from routing.agent.runner import run_agent, stream_agent
from routing.ollama.errors import LlmUnavailableError
from routing.tests.agent.server_script import classify_as, decompose_into


async def drain(query: str) -> list:
    return [event async for event in stream_agent(query, [])]


RUNNERS = [pytest.param(run_agent, id="run"), pytest.param(lambda q, h: drain(q), id="stream")]


@pytest.mark.parametrize("run", RUNNERS)
async def test_an_unreachable_server(ollama, ollama_down_url, settings, run):
    settings.OLLAMA_URL = ollama_down_url
    with pytest.raises(LlmUnavailableError):
        await run("Hello", [])


@pytest.mark.parametrize("run", RUNNERS)
async def test_a_missing_model(ollama, settings, run):
    settings.MODEL_SIMPLE = "not-pulled:1b"
    with pytest.raises(LlmUnavailableError, match="not found"):
        await run("Hello", [])


@pytest.mark.parametrize("fault", ["http_500", "error_midstream", "drop_midstream"])
@pytest.mark.parametrize("run", RUNNERS)
async def test_a_failing_answer(ollama, fault, run):
    classify_as(ollama, "general")
    ollama.set_default(Reply(content="one two three four five six", fault=fault))
    with pytest.raises(LlmUnavailableError):
        await run("Hello", [])


@pytest.mark.parametrize("fault", ["hang", "hang_midstream"])
async def test_a_hanging_server_times_out(ollama, settings, fault):
    settings.OLLAMA_TIMEOUT = 0.5
    classify_as(ollama, "general")
    ollama.set_default(Reply(content="one two three four", fault=fault))
    with pytest.raises(LlmUnavailableError, match="within"):
        await run_agent("Hello", [])
    await ollama.async_wait_for(lambda: ollama.active_streams == 0)


async def test_a_failing_classifier_is_unavailable_too(ollama):
    classify_as(ollama, "general", fault="http_500")
    with pytest.raises(LlmUnavailableError):
        await run_agent("Hello", [])


async def test_a_failing_researcher_is_unavailable(ollama):
    classify_as(ollama, "analysis")
    decompose_into(ollama, "How fast?", "How costly?")
    ollama.add_rule(Reply(fault="http_500"), when="How costly?")
    with pytest.raises(LlmUnavailableError):
        await run_agent("Trains or planes?", [])
