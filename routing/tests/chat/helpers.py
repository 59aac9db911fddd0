"""Helpers for the chat API tests: credentials, scripted routing, reading SSE over httpx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from rest_framework_simplejwt.tokens import AccessToken

from ollama_testserver import Reply

CHAT = "/api/chat/"
STREAM = "/api/chat/stream"
RESPONSE_KEYS = {
    "query",
    "intent",
    "complexity",
    "model",
    "response",
    "conversation_id",
    "confidence",
    "is_blocked",
    "block_reason",
    "cached",
    "sources",
    "usage",
    "router",
}


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


def route_to_general(server, *, complexity: str = "simple", confidence: float = 0.9) -> None:
    """Make the classifier (a structured-output request) route every query to `general`."""
    answer = {"intent": "general", "confidence": confidence, "complexity": complexity}
    server.on_structured(Reply(content=json.dumps(answer)))


def is_answer_request(body: dict | None) -> bool:
    """A plain chat (no `format`): the request that writes the final answer."""
    return bool(body) and not body.get("format") and not body.get("tools")


def answer_requests(server) -> list:
    return [r for r in server.chat_requests if is_answer_request(r.body)]


@dataclass
class SseItem:
    """One SSE block: an event with JSON data, or a comment (`event` is None)."""

    event: str | None
    data: Any = None
    comment: str | None = None


def iter_sse(response: httpx.Response) -> Iterator[SseItem]:
    """Parse the stream block by block, as the bytes arrive."""
    buffer = ""
    for text in response.iter_text():
        buffer += text
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            yield parse_block(block)


async def aiter_sse(response: httpx.Response) -> AsyncIterator[SseItem]:
    """`iter_sse` for an async client."""
    buffer = ""
    async for text in response.aiter_text():
        buffer += text
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            yield parse_block(block)


def parse_block(block: str) -> SseItem:
    if block.startswith(":"):
        return SseItem(event=None, comment=block[1:].strip())
    fields = dict(line.split(": ", 1) for line in block.splitlines())
    return SseItem(event=fields["event"], data=json.loads(fields["data"]))


def collect_stream(client: httpx.Client, url: str, **kwargs) -> list[SseItem]:
    """Every block of a successful stream."""
    with client.stream("POST", url, **kwargs) as response:
        assert response.status_code == 200, response.read()
        return list(iter_sse(response))
