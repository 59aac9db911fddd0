"""The /v1 and /ollama adapters' client (routing/ollama/passthrough.py) on the fleet: calls
naming a model spread over the backends serving it, skip a stopped backend, keep Ollama's
404 for a model nobody serves, fail over before their first line, and are metered per
model and backend like the agent's calls. (compat/engine.py puts their compute seconds on
the ledger row: routing/tests/fleet/test_live_passthrough.py.)"""

from __future__ import annotations

import pytest

from core.redis_client import sync_redis
from metrics import fleet_metrics, store
from metrics.prometheus import render
from ollama_testserver import Reply, embedding_for
from ollama_testserver.pull import MANIFEST_MISSING
from routing.ollama import passthrough
from routing.ollama.backend import BackendState
from routing.ollama.errors import OllamaResponseError
from routing.ollama.fleet import fleet

MODEL = "qwen2.5:7b"


def chat_body(stream: bool) -> dict:
    return {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": stream}


async def streamed() -> str:
    async with passthrough.stream_lines("/api/chat", chat_body(True)) as lines:
        return "".join([line.data["message"]["content"] async for line in lines])


async def test_chats_spread_over_the_backends_that_serve_the_model(servers):
    for _ in range(4):
        assert await streamed()
        assert (await passthrough.request_json("POST", "/api/chat", chat_body(False)))["done"]

    assert [len(server.chat_requests) for server in servers] == [4, 4, 0]  # the third lacks it


async def test_a_stopped_backend_is_skipped(pair):
    pair[0].stop()

    answers = [await streamed() for _ in range(4)]

    assert all(answers)
    assert len(pair[1].chat_requests) == 4


async def test_a_model_nobody_serves_is_ollamas_404(servers):
    with pytest.raises(OllamaResponseError) as caught:
        await streamed_model("missing:1b")

    assert (caught.value.status, str(caught.value)) == (404, "model 'missing:1b' not found")
    assert not any(server.chat_requests for server in servers)


async def streamed_model(model: str) -> None:
    body = {**chat_body(True), "model": model}
    async with passthrough.stream_lines("/api/chat", body) as lines:
        [line async for line in lines]


# --- failover before the first line ----------------------------------------------------


def backend_of(server):
    [backend] = [b for b in fleet().backends() if b.url == server.url]
    return backend


def embed_body() -> dict:
    return {"model": MODEL, "input": "hi"}


async def embedded() -> list:
    return (await passthrough.request_json("POST", "/api/embed", embed_body()))["embeddings"]


CALLS = {
    "streamed chat": streamed,
    "chat": lambda: passthrough.request_json("POST", "/api/chat", chat_body(False)),
    "embed": embedded,
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_a_backend_stopped_since_its_probe_hands_the_call_to_another(pair, call):
    stopped, healthy = pair
    await fleet().refresh()  # both answer their probes; the first is picked first
    stopped.stop()

    assert await call()

    assert backend_of(stopped).failures == 1
    assert backend_of(stopped).state() is BackendState.DOWN  # refused: out until a probe
    assert backend_of(healthy).failures == 0
    assert healthy.requests[-1].body["model"] == MODEL


@pytest.mark.parametrize(
    "broken_reply",
    [Reply(fault="http_500"), Reply(content="never sent", fault="error_midstream", fault_after=0)],
    ids=["http 500", "error line first"],
)
async def test_a_failure_before_the_first_line_is_retried_on_another_backend(pair, broken_reply):
    broken, healthy = pair
    healthy.set_default(Reply(content="The answer."))
    broken.set_default(broken_reply)

    assert await streamed() == "The answer."
    assert (await passthrough.request_json("POST", "/api/chat", chat_body(False)))["done"]

    assert [len(broken.chat_requests), len(healthy.chat_requests)] == [2, 2]
    assert (backend_of(broken).failures, backend_of(healthy).failures) == (2, 0)


async def test_an_embedding_answered_with_a_500_is_retried_on_another_backend(pair):
    broken, healthy = pair
    broken.fail("/api/embed")

    assert await embedded() == [embedding_for(MODEL, "hi")]

    assert [len(embeds(broken)), len(embeds(healthy))] == [1, 1]
    assert backend_of(broken).failures == 1


def embeds(server) -> list:
    return [r for r in server.requests if r.path == "/api/embed"]


async def test_a_failure_after_the_first_line_is_the_callers(pair):
    for server in pair:
        server.set_default(Reply(content="Half an answer, then", fault="error_midstream"))
    got: list[str] = []

    async def read() -> None:
        async with passthrough.stream_lines("/api/chat", chat_body(True)) as lines:
            async for line in lines:
                got.append(line.data["message"]["content"])

    with pytest.raises(OllamaResponseError):
        await read()

    assert got  # the first lines reached the caller: no other backend was tried
    assert sum(len(server.chat_requests) for server in pair) == 1
    assert sum(backend_of(server).failures for server in pair) == 1


async def test_a_stale_model_list_moves_on_without_charging_a_failure(servers, settings):
    lacking, serving = servers[2], servers[0]  # the third server lacks MODEL
    settings.OLLAMA_URLS = [lacking.url, serving.url]
    await fleet().refresh()
    stale = backend_of(lacking)
    stale.served = (*stale.served, MODEL)  # as if it had served MODEL at its last probe

    assert await streamed()

    assert [len(lacking.chat_requests), len(serving.chat_requests)] == [1, 1]
    assert backend_of(lacking).failures == 0
    assert not backend_of(lacking).serves(MODEL)  # forgotten until its next probe


async def test_a_request_the_model_refuses_is_not_retried(pair):
    body = {**chat_body(False), "think": True}  # MODEL does not think: Ollama's 400

    with pytest.raises(OllamaResponseError) as caught:
        await passthrough.request_json("POST", "/api/chat", body)

    assert caught.value.status == 400
    assert sum(len(server.chat_requests) for server in pair) == 1
    assert sum(backend_of(server).failures for server in pair) == 0


async def test_model_management_asks_the_first_backend_not_the_fleet(pair):
    async def pull(model: str) -> list[str]:
        async with passthrough.stream_lines("/api/pull", {"model": model}) as lines:
            return [line.data["status"] async for line in lines]

    # No backend serves the model yet (that is why it is pulled): no 404 from the fleet, the
    # first backend answers (the test server only "pulls" what it has, so it says no).
    with pytest.raises(OllamaResponseError) as caught:
        await pull("mistral:7b")

    assert str(caught.value) == MANIFEST_MISSING
    assert [r.path for r in pair[0].requests if r.path == "/api/pull"] == ["/api/pull"]
    assert not any(r.path == "/api/pull" for r in pair[1].requests)


# --- metering ------------------------------------------------------------------------------


def compute_of(server) -> float:
    return sum(
        (m.load_duration + m.prompt_eval_duration + m.eval_duration) / 1e9
        for m in server.reported_metrics
    )


@pytest.mark.parametrize("backends", [1, 2])
async def test_calls_are_metered_per_model_and_backend(pair, settings, backends):
    settings.OLLAMA_URLS = [server.url for server in pair[:backends]]
    for _ in range(2):
        assert await streamed()
        assert (await passthrough.request_json("POST", "/api/chat", chat_body(False)))["done"]
    await store.aflush()  # the samples go with the request's next metrics write

    compute = store.decode_hash(sync_redis().hgetall(fleet_metrics.LLM_COMPUTE))
    calls = store.decode_hash(sync_redis().hgetall(fleet_metrics.FLEET_CALLS))
    text = render().decode()
    for server in pair[:backends]:
        assert float(compute[store.field(MODEL, server.url)]) == pytest.approx(compute_of(server))
        assert int(calls[store.field(server.url, "ok")]) == 4 // backends
        labels = f'backend="{server.url}",model="{MODEL}"'
        assert (
            f"gateway_llm_time_to_first_token_seconds_count{{{labels}}} {4 // backends}.0" in text
        )
