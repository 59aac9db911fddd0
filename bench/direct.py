"""The direct side: the two Ollama calls a general-intent chat makes (classifier, then
answer), back to back against the test server, replaying the request bodies the gateway
sent (captured by bench.ollama_stub) with the query replaced.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from bench.clients import HttpTarget, QueryFn, failed
from bench.loadgen import RequestFn, Sample
from bench.sse import stream_sample


def with_query(body: dict[str, Any], query: str) -> dict[str, Any]:
    """A captured request body with its last user message replaced by `query`."""
    body = json.loads(json.dumps(body))
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            message["content"] = query
            break
    return body


async def _ollama_call(
    client: httpx.AsyncClient, body: dict[str, Any], token_times: list[float] | None = None
) -> str | None:
    """One /api/chat call read to its end; returns a problem or None. Content chunk
    arrival times are appended to `token_times` when given."""
    if body.get("stream") is False:
        response = await client.post("/api/chat", json=body)
        return None if response.status_code == 200 else f"HTTP {response.status_code}"
    async with client.stream("POST", "/api/chat", json=body) as response:
        if response.status_code != 200:
            await response.aread()
            return f"HTTP {response.status_code}"
        async for line in response.aiter_lines():
            if not line:
                continue
            chunk = json.loads(line)
            if chunk.get("error"):
                return "ollama error"
            if token_times is not None and (chunk.get("message") or {}).get("content"):
                token_times.append(time.perf_counter())
            if chunk.get("done"):
                return None
    return "stream ended early"


def direct_chat_request(
    target: HttpTarget, bodies: dict[str, dict[str, Any]], query: QueryFn
) -> RequestFn:
    """The classifier call, then the answer call, back to back; latency covers both."""

    async def request(index: int) -> Sample:
        started = time.perf_counter()
        client = target.client()
        text = query(index)
        try:
            problem = await _ollama_call(client, with_query(bodies["classifier"], text))
            if problem is None:
                problem = await _ollama_call(client, with_query(bodies["answer"], text))
        except (httpx.HTTPError, ValueError) as exc:
            return failed(started, exc)
        return Sample(
            time.perf_counter() - started, 0 if problem else 200, problem is None, problem
        )

    return request


def direct_stream_request(
    target: HttpTarget, bodies: dict[str, dict[str, Any]], query: QueryFn
) -> RequestFn:
    """As `direct_chat_request`, timing the answer's content chunks like gateway tokens."""

    async def request(index: int) -> Sample:
        started = time.perf_counter()
        client = target.client()
        text = query(index)
        token_times: list[float] = []
        try:
            problem = await _ollama_call(client, with_query(bodies["classifier"], text))
            if problem is None:
                answer = with_query(bodies["answer"], text)
                problem = await _ollama_call(client, answer, token_times)
        except (httpx.HTTPError, ValueError) as exc:
            return failed(started, exc)
        return stream_sample(started, token_times, 200, problem or "")

    return request
