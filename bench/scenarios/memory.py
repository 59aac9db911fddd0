"""Memory: the gateway's RSS with many streams open at once (slow chunks keep them open).

Baseline RSS after a few warm-up streams; then N streams are opened and read until each
has delivered its first token (or a timeout); RSS is sampled while all are open; per
stream = delta / streams held.
The streams are then dropped by the client, and RSS is sampled again.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.clients import HttpTarget
from bench.scenarios.base import Context, ScenarioResult, Table
from bench.sse import error_code, sse_events
from bench.stats import fmt
from bench.stub import StubSettings

KEY = "memory"
TITLE = "Memory per open stream"
CHUNK_INTERVAL = 0.5  # seconds: slow enough that no stream ends during the measurement
CHUNKS = 600
OPEN_TIMEOUT = 30.0  # seconds for every stream to deliver its first token


class Streams:
    """N client streams that read until released; counts those that saw a token."""

    def __init__(self, ctx: Context, target: HttpTarget) -> None:
        self.ctx, self.target = ctx, target
        self.opened = 0
        self.failed = 0
        self.problems: dict[str, int] = {}

    async def one(self, index: int) -> None:
        """Read one stream until cancelled; a stream that ends or fails before its first
        token counts as failed (so `open` stops waiting for it)."""
        body = {"query": f"Bench {self.ctx.run_tag} memory #{index}: tell me about cats"}
        counted, problem = False, "ended before its first token"
        try:
            async with self.target.client().stream(
                "POST", "/api/chat/stream", json=body, headers=self.ctx.key_headers()
            ) as response:
                if response.status_code != 200:
                    problem = f"HTTP {response.status_code}"
                async for event, data in sse_events(response):
                    if event == "token" and not counted:
                        counted = True
                        self.opened += 1
                    elif event == "error":
                        problem = f"error event {error_code(data)}"
        except httpx.HTTPError as exc:
            problem = type(exc).__name__
        if not counted:
            self.failed += 1
            self.problems[problem] = self.problems.get(problem, 0) + 1

    async def open(self, count: int, start: int = 0) -> list[asyncio.Task]:
        tasks = [asyncio.create_task(self.one(start + i)) for i in range(count)]
        deadline = time.monotonic() + OPEN_TIMEOUT
        while self.opened + self.failed < count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)  # a poll with a deadline; counts change in many tasks
        return tasks


async def close(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def rss_sample(ctx: Context, seconds: float = 1.0) -> int:
    """The highest RSS seen over `seconds` (sampled every 0.1 s)."""
    peak = 0
    for _ in range(max(1, int(seconds / 0.1))):
        peak = max(peak, ctx.rss_bytes())
        await asyncio.sleep(0.1)
    return peak


async def run(ctx: Context) -> ScenarioResult:
    n, settle = ctx.sizes.memory_streams, ctx.sizes.settle_seconds
    ctx.stub.configure(StubSettings(chunks=CHUNKS, chunk_interval=CHUNK_INTERVAL))
    result = ScenarioResult(
        KEY,
        TITLE,
        f"{n} streams held open at once (the answer streams a chunk every "
        f"{CHUNK_INTERVAL:g} s). RSS of the gateway process(es), sampled for 1 s; per "
        "stream = RSS delta / streams held open (with or without a first token).",
    )
    target = ctx.gateway_target(n)
    try:
        streams = Streams(ctx, target)
        await close(await streams.open(min(5, n), start=10_000))
        await asyncio.sleep(settle)
        streams.opened = streams.failed = 0
        streams.problems.clear()
        base = await rss_sample(ctx, min(1.0, settle * 2))
        tasks = await streams.open(n)
        waiting = n - streams.opened - streams.failed
        if waiting:
            streams.problems[f"no first token within {OPEN_TIMEOUT:g} s"] = waiting
        await asyncio.sleep(settle)
        threads = sum(g.child.ps().num_threads() for g in ctx.gateways)
        loaded = await rss_sample(ctx, min(1.0, settle * 2))
        opened = streams.opened
        held = n - streams.failed  # requests in the gateway, token seen or still waiting
        await close(tasks)
        await asyncio.sleep(settle * 2)
        after = await rss_sample(ctx, min(1.0, settle * 2))
    finally:
        await target.aclose()
    per_stream_kb = (loaded - base) / 1024 / held if held else None
    result.metrics.update(
        {
            "streams_open": float(opened),
            "rss_base_mb": base / 2**20,
            "rss_open_mb": loaded / 2**20,
            "rss_after_mb": after / 2**20,
            "per_stream_kb": per_stream_kb,
        }
    )
    result.metrics["failed"] = float(n - opened)
    result.errors.update(streams.problems)
    result.tables = [
        Table(
            "Gateway RSS",
            [
                "streams with a token / held / sent",
                "RSS idle MB",
                "RSS with streams MB",
                "KB per stream",
                "RSS after close MB",
                "threads",
            ],
            [
                [
                    f"{opened} / {held} / {n}",
                    fmt(base / 2**20),
                    fmt(loaded / 2**20),
                    fmt(per_stream_kb),
                    fmt(after / 2**20),
                    str(threads),
                ]
            ],
        )
    ]
    return result
