"""Streaming requests to the gateway: POST /api/chat/stream read as server-sent events,
timing the first `token` event and the gaps between tokens."""

from __future__ import annotations

import itertools
import json
import time

import httpx

from bench.clients import HttpTarget, QueryFn, failed
from bench.loadgen import RequestFn, Sample


async def sse_events(response: httpx.Response):
    """(event, data) pairs of a server-sent-events body, as they arrive."""
    event, data = "message", []
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith(":"):
            continue  # heartbeat comment
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


def error_code(data: str) -> str:
    """The `code` of an SSE error event's JSON payload (or the start of the raw data)."""
    try:
        return str(json.loads(data).get("code"))
    except (ValueError, AttributeError):
        return data[:40]


def stream_request(target: HttpTarget, headers: dict[str, str], query: QueryFn) -> RequestFn:
    """POST /api/chat/stream; times the first `token` event and the gaps between tokens."""

    async def request(index: int) -> Sample:
        started = time.perf_counter()
        token_times: list[float] = []
        outcome = "no done event"
        try:
            async with target.client().stream(
                "POST", "/api/chat/stream", json={"query": query(index)}, headers=headers
            ) as response:
                if response.status_code != 200:
                    await response.aread()
                    return Sample(time.perf_counter() - started, response.status_code, False)
                async for event, data in sse_events(response):
                    if event == "token":
                        token_times.append(time.perf_counter())
                    elif event == "done":
                        outcome = ""
                    elif event == "error":
                        outcome = f"error event {error_code(data)}"
        except httpx.HTTPError as exc:
            return failed(started, exc)
        return stream_sample(started, token_times, 200, outcome)

    return request


def stream_sample(started: float, token_times: list[float], status: int, problem: str) -> Sample:
    if not token_times and not problem:
        problem = "no tokens"
    return Sample(
        latency=time.perf_counter() - started,
        status=status,
        ok=not problem,
        error=problem or None,
        ttft=token_times[0] - started if token_times else None,
        gaps=[b - a for a, b in itertools.pairwise(token_times)],
        tokens=len(token_times),
    )
