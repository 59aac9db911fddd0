"""Choosing a backend: spread, model-aware, unknown models, nobody answering."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from routing.ollama import chat_models as llm
from routing.ollama.errors import LlmUnavailableError
from routing.ollama.fleet_errors import ModelNotServedError

HI = [HumanMessage("hi")]
SIMPLE, COMPLEX = "llama3.2:3b", "qwen2.5:7b"


async def ask(model: str) -> str:
    reply = await llm.call(llm.chat_model(model), HI, model=model)
    return llm.text_of(reply)


async def test_sequential_calls_alternate_between_idle_backends(pair):
    for _ in range(6):
        assert await ask(SIMPLE)

    assert [len(server.chat_requests) for server in pair] == [3, 3]


async def test_a_model_goes_only_to_backends_that_serve_it(servers):
    for _ in range(6):
        await ask(COMPLEX)
    for _ in range(6):
        await ask(SIMPLE)

    complex_calls = [
        sum(r.body["model"] == COMPLEX for r in server.chat_requests) for server in servers
    ]
    simple_calls = [
        sum(r.body["model"] == SIMPLE for r in server.chat_requests) for server in servers
    ]
    assert complex_calls == [3, 3, 0]  # the third server does not have it
    assert simple_calls == [2, 2, 2]


async def test_a_model_no_answering_backend_lists_is_unknown(servers):
    with pytest.raises(ModelNotServedError, match="model 'mystery:1b' not found"):
        await ask("mystery:1b")

    assert not any(server.chat_requests for server in servers)


async def test_while_no_backend_answers_every_call_is_llm_unavailable(settings, ollama_down_url):
    from routing.ollama.fleet import fleet

    settings.OLLAMA_URLS = [ollama_down_url, f"{ollama_down_url}/other"]
    fleet().forget()

    for _ in range(2):
        with pytest.raises(LlmUnavailableError):
            await ask(SIMPLE)
    fleet().forget()


async def test_probes_never_load_a_model(servers, admin_client):
    from routing.ollama.fleet import fleet

    await fleet().refresh()
    await ask(SIMPLE)
    chats = [len(server.chat_requests) for server in servers]
    for server in servers:
        server.reset()
    await fleet().refresh()

    probed = {r.path for server in servers for r in server.requests}
    assert probed == {"/api/tags", "/api/ps", "/api/version"}
    assert sum(chats) == 1
