"""The /v1 and /ollama adapters' client (routing/ollama/passthrough.py) on the fleet: calls
naming a model spread over the backends serving it, skip a stopped backend, and keep
Ollama's 404 for a model nobody serves. (compat/engine.py meters their compute seconds.)"""

from __future__ import annotations

import pytest

from routing.ollama import passthrough
from routing.ollama.errors import OllamaResponseError

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
