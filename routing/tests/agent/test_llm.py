"""llm.py: clients built from settings, cached per event loop, failures typed."""

from __future__ import annotations

import asyncio
import threading

import httpx
import ollama
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_ollama import ChatOllama
from pydantic import BaseModel

from routing.agent.tools.registry import TOOLS
from routing.ollama import chat_models as llm
from routing.ollama.errors import LlmUnavailableError
from routing.ollama.transport import AiohttpTransport

HI = [HumanMessage("hi")]


class Schema(BaseModel):
    answer: str


@pytest.fixture
def ollama_settings(settings):
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    settings.OLLAMA_TIMEOUT = 7.5
    settings.OLLAMA_KEEP_ALIVE = "10m"
    llm.set_model_factory(None)
    yield settings
    llm.set_model_factory(None)


async def test_it_configures_chat_ollama_from_settings(ollama_settings):
    client = llm.chat_model("m:1b")
    assert isinstance(client, ChatOllama)
    assert (client.model, client.base_url, client.keep_alive) == (
        "m:1b",
        "http://127.0.0.1:9",
        "10m",
    )
    assert client.client_kwargs == {"timeout": 7.5}
    # The async client (every call the gateway makes) runs on the aiohttp transport, which
    # sets no connection cap: the 101st concurrent chat must not queue while the model is
    # idle. The sync client has no cap either.
    assert isinstance(client.async_client_kwargs["transport"], AiohttpTransport)
    assert client._async_client._client._transport is client.async_client_kwargs["transport"]
    assert client.sync_client_kwargs == {"limits": llm.OLLAMA_CONNECTION_LIMITS}
    assert llm.OLLAMA_CONNECTION_LIMITS.max_connections is None
    assert 0 < client.temperature <= 0.3


async def test_numeric_keep_alive_is_sent_as_a_number(ollama_settings):
    ollama_settings.OLLAMA_KEEP_ALIVE = "-1"
    assert llm.chat_model("m:1b").keep_alive == -1


async def test_clients_and_variants_are_reused_within_a_loop(ollama_settings):
    assert llm.chat_model("m:1b") is llm.chat_model("m:1b")
    assert llm.chat_model("m:1b", final=True) is llm.chat_model("m:1b", final=True)
    assert llm.structured_model("m:1b", Schema) is llm.structured_model("m:1b", Schema)
    assert llm.tool_model("m:1b", TOOLS) is llm.tool_model("m:1b", TOOLS)
    # The variants are bindings of two clients: the streaming one (final answers) and a
    # non-streaming copy (helper calls) that shares its HTTP client, so one connection
    # pool per model and loop.
    streaming = llm.chat_model("m:1b", final=True).bound
    assert llm.tool_model("m:1b", TOOLS).bound is streaming
    assert llm.structured_model("m:1b", Schema).bound is llm.chat_model("m:1b")
    assert llm.chat_model("m:1b")._async_client is streaming._async_client
    assert llm.chat_model("m:1b") is not llm.chat_model("other:1b")


async def test_helper_calls_never_stream_and_final_answers_do(ollama_settings):
    assert llm.chat_model("m:1b").disable_streaming is True
    assert llm.structured_model("m:1b", Schema).bound.disable_streaming is True
    assert not llm.chat_model("m:1b", final=True).bound.disable_streaming
    assert not llm.tool_model("m:1b", TOOLS).bound.disable_streaming


async def test_a_changed_setting_gets_a_new_client(ollama_settings):
    first = llm.chat_model("m:1b")
    ollama_settings.OLLAMA_URL = "http://127.0.0.1:10"
    assert llm.chat_model("m:1b") is not first


async def test_each_event_loop_gets_its_own_client(ollama_settings):
    here = llm.chat_model("m:1b")
    elsewhere = []

    def other_loop():
        async def build():
            elsewhere.append(llm.chat_model("m:1b"))

        asyncio.run(build())

    thread = threading.Thread(target=other_loop)
    thread.start()
    thread.join()
    assert elsewhere[0] is not here


def _failing(exc: BaseException):
    async def gate(call):
        raise exc

    return gate


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
        ollama.ResponseError("model 'x' not found", 404),
        ollama.ResponseError("boom", -1),
        ConnectionError("Failed to connect to Ollama"),
        ValueError("No data received from Ollama stream."),
    ],
)
async def test_ollama_failures_become_llm_unavailable(script, error):
    script.gate = _failing(error)
    with pytest.raises(LlmUnavailableError) as raised:
        await llm.call(llm.chat_model("m"), HI, model="m")
    assert raised.value.model == "m"
    assert raised.value.__cause__ is error


async def test_other_errors_are_not_disguised(script):
    script.gate = _failing(ValueError("a bug"))
    with pytest.raises(ValueError, match="a bug"):
        await llm.call(llm.chat_model("m"), HI, model="m")


async def test_a_call_longer_than_the_timeout_is_unavailable(script, settings):
    settings.OLLAMA_TIMEOUT = 0.05

    async def hang(call):
        await asyncio.Event().wait()

    script.gate = hang
    with pytest.raises(LlmUnavailableError, match="within"):
        await llm.call(llm.chat_model("m"), HI, model="m")


async def test_a_stream_without_its_done_chunk_is_unavailable(script):
    script.add(lambda call: AIMessage("half an ans"))
    script.pick = _without_done(script.pick)
    with pytest.raises(LlmUnavailableError, match="early"):
        await llm.call(llm.chat_model("m"), HI, model="m")


def _without_done(pick):
    def wrapped(call):
        message = pick(call)
        return message.model_copy(update={"response_metadata": {}})

    return wrapped


def test_usage_sums_ollama_counts_and_durations():
    first = AIMessage(
        "a",
        usage_metadata={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
        response_metadata={
            "total_duration": 1_800_000_000,
            "load_duration": 250_000_000,
            "prompt_eval_duration": 500_000_000,
            "eval_duration": 1_000_000_000,
        },
    )
    second = AIMessage(
        "b",
        usage_metadata={"input_tokens": 5, "output_tokens": 6, "total_tokens": 11},
        response_metadata={"total_duration": 300_000_000, "eval_duration": 0},
    )
    assert llm.usage(first, second, AIMessage("c")) == {
        "prompt_tokens": 8,
        "completion_tokens": 10,
        # Ollama's load + prompt-eval + eval durations; a reply reporting no eval phases
        # counts its total instead, as an embedding does (routing/ollama/metering.py).
        "compute_seconds": 2.05,
        "durations": {  # per key (a zero or missing timing adds nothing)
            "total_duration": 2_100_000_000,
            "load_duration": 250_000_000,
            "prompt_eval_duration": 500_000_000,
            "eval_duration": 1_000_000_000,
        },
    }
