"""Failover and recovery: a backend stopped mid-run, a failing backend's breaker, and no
retry once tokens have reached the client."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import HumanMessage

from ollama_testserver import Reply
from routing.ollama import chat_models as llm
from routing.ollama.backend import BREAKER_THRESHOLD, BackendState
from routing.ollama.errors import LlmUnavailableError
from routing.ollama.fleet import fleet
from routing.tests.agent.server_script import classify_as
from routing.tests.chat.helpers import answer_requests, is_answer_request
from routing.tests.fakes import fake_search  # noqa: F401  (shared fixture)

HI = [HumanMessage("hi")]
MODEL = "llama3.2:3b"


async def ask() -> str:
    return llm.text_of(await llm.call(llm.chat_model(MODEL), HI, model=MODEL))


def state_of(server) -> BackendState:
    [backend] = [b for b in fleet().backends() if b.url == server.url]
    return backend.state()


@pytest.mark.slow
async def test_a_stopped_backend_is_routed_around_and_taken_back(pair, quick_recovery):
    first, second = pair
    for server in pair:
        server.set_default(Reply(content="ok", first_token_delay=0.05))
    results: list = []

    async def load_until(done) -> None:
        while not done():
            wave = await asyncio.gather(*(ask() for _ in range(4)), return_exceptions=True)
            results.extend(wave)

    await load_until(lambda: len(first.chat_requests) >= 4)
    first.stop()
    served_before = len(second.chat_requests)
    await load_until(lambda: len(second.chat_requests) >= served_before + 12)
    first.start()
    back_from = len(first.chat_requests)
    # "Comes back within 30 s": it gets traffic again while the load goes on.
    await asyncio.wait_for(load_until(lambda: len(first.chat_requests) > back_from), 30)

    assert results == ["ok"] * len(results)  # every chat succeeded, none was lost
    assert state_of(first) in (BackendState.UP, BackendState.HALF_OPEN)


async def test_a_failing_backend_is_taken_out_after_consecutive_failures(pair):
    broken, healthy = pair
    broken.set_default(Reply(fault="http_500"))

    answers = [await ask() for _ in range(3 * BREAKER_THRESHOLD)]

    assert all(answers)  # each failure moved to the healthy backend
    assert len(broken.chat_requests) == BREAKER_THRESHOLD
    assert state_of(broken) is BackendState.OPEN
    assert len(healthy.chat_requests) == 3 * BREAKER_THRESHOLD


async def test_a_breaker_never_leaves_a_model_with_no_backend(servers, settings):
    only = servers[0]
    settings.OLLAMA_URLS = [only.url]
    only.set_default(Reply(fault="http_500"))
    for _ in range(BREAKER_THRESHOLD):
        with pytest.raises(LlmUnavailableError):
            await ask()
    assert state_of(only) is BackendState.OPEN

    only.set_default(None)  # the one Ollama is fixed: the very next chat is answered

    assert await ask()
    assert state_of(only) is BackendState.UP


async def test_a_failure_before_the_first_token_is_retried_elsewhere(pair, fake_search):  # noqa: F811
    from routing.agent.runner import stream_agent

    answered: list[str] = []

    def first_fails(body: dict) -> Reply:  # shared by both servers: only the first call fails
        answered.append(body["model"])
        return Reply(fault="http_500") if len(answered) == 1 else Reply(content="The answer.")

    for server in pair:
        classify_as(server, "general")
        server.add_rule(first_fails, when=is_answer_request)

    items = [item async for item in stream_agent("Why is the sky blue?", [])]

    assert items[-1].response == "The answer."
    assert sum(len(answer_requests(server)) for server in pair) == 2


async def test_a_failure_after_tokens_reached_the_client_is_not_retried(pair, fake_search):  # noqa: F811
    from routing.agent.runner import stream_agent

    for server in pair:
        classify_as(server, "general")
        server.add_rule(
            Reply(content="Half an answer, then", fault="error_midstream"),
            when=is_answer_request,
            times=1,
        )

    with pytest.raises(LlmUnavailableError):
        [item async for item in stream_agent("Why is the sky blue?", [])]

    assert sum(len(answer_requests(server)) for server in pair) == 1
