"""Talking to a live gateway: credentials, the error envelope, chats and SSE streams."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from rest_framework_simplejwt.tokens import AccessToken

CHAT = "/api/chat/"
STREAM = "/api/chat/stream"
ENVELOPE_KEYS = {"error", "request_id"}
ERROR_KEYS = {"code", "message", "details"}


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is `status` with the one error envelope carrying `code`; returns `error`."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == ENVELOPE_KEYS, body
    assert set(body["error"]) == ERROR_KEYS, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body["error"]


@dataclass
class SseEvent:
    event: str
    data: Any


def parse_sse(text: str) -> list[SseEvent]:
    """The named events of an SSE body (comment heartbeats are skipped), per the SSE spec:
    `field: value` lines, the space after the colon optional."""
    events = []
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line and not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        if fields:
            assert {"event", "data"} <= set(fields), f"not an SSE event: {block!r} in {text!r}"
            events.append(SseEvent(fields["event"], json.loads(fields["data"])))
    return events


def stream_events(client: httpx.Client, query: str, **extra: Any) -> list[SseEvent]:
    """POST a query to the SSE endpoint and read the stream to its end."""
    with client.stream("POST", STREAM, json={"query": query, **extra}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return parse_sse(response.read().decode())


def stream_first_token_then_leave(client: httpx.Client, query: str) -> str | None:
    """Open a stream, read until the first token, and disconnect; returns the conversation id."""
    conversation_id = None
    buffer = ""
    with client.stream("POST", STREAM, json={"query": query}) as response:
        assert response.status_code == 200, response.read()
        for text in response.iter_text():
            buffer += text
            events = parse_sse(buffer.rsplit("\n\n", 1)[0])
            for event in events:
                if event.event == "meta":
                    conversation_id = event.data["conversation_id"]
            if any(e.event == "token" for e in events):
                break
    return conversation_id
