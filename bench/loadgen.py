"""A closed-loop asyncio load generator: N workers, each sending its next request as soon as
its previous one finished, until `total` requests were sent or `time_limit` passed.

A request is any `async (index) -> Sample` function (see bench.clients); the generator only
schedules them and keeps the samples, so the same loop drives the gateway and the direct
Ollama calls.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench.stats import Summary


@dataclass
class Sample:
    """One request as the client saw it (times in seconds since the request started)."""

    latency: float
    status: int  # HTTP status; 0 when the request failed before a response
    ok: bool
    error: str | None = None
    ttft: float | None = None  # streams: time to the first token
    gaps: list[float] = field(default_factory=list)  # streams: time between tokens
    tokens: int = 0
    # The gateway's Server-Timing durations in ms: llm, db, redis, gateway (= not llm).
    server_timing: dict[str, float] = field(default_factory=dict)


RequestFn = Callable[[int], Awaitable[Sample]]


@dataclass
class LoadResult:
    """The samples of one closed-loop run and its wall time."""

    concurrency: int
    wall: float
    samples: list[Sample]

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.ok]

    @property
    def errors(self) -> int:
        return len(self.samples) - len(self.ok)

    @property
    def throughput(self) -> float:
        """Successful requests per second of wall time."""
        return len(self.ok) / self.wall if self.wall > 0 else 0.0

    def latency(self) -> Summary:
        return Summary.of([s.latency for s in self.ok])

    def ttft(self) -> Summary:
        return Summary.of([s.ttft for s in self.ok if s.ttft is not None])

    def gaps(self) -> Summary:
        return Summary.of([gap for s in self.ok for gap in s.gaps])

    def server_timing(self, metric: str) -> Summary:
        """A Server-Timing metric over the successful requests (from ms back to s)."""
        values = [s.server_timing[metric] / 1000 for s in self.ok if metric in s.server_timing]
        return Summary.of(values)

    def error_kinds(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for sample in self.samples:
            if not sample.ok:
                key = sample.error or f"HTTP {sample.status}"
                kinds[key] = kinds.get(key, 0) + 1
        return kinds

    @staticmethod
    def merge(results: list[LoadResult]) -> LoadResult:
        """Several runs at one concurrency as one (wall times add up)."""
        return LoadResult(
            concurrency=results[0].concurrency if results else 0,
            wall=sum(r.wall for r in results),
            samples=[s for r in results for s in r.samples],
        )


async def closed_loop(
    request: RequestFn, *, concurrency: int, total: int, time_limit: float, start: int = 0
) -> LoadResult:
    """Run `total` requests with `concurrency` in flight; stop early after `time_limit` s.

    Requests still in flight at the deadline are allowed to finish (each has its own
    client timeout), so every started request yields a sample. `start` offsets the
    indices handed to `request` (unique queries across runs).
    """
    counter = itertools.count(start)
    end = start + total
    samples: list[Sample] = []
    began = time.perf_counter()
    deadline = began + time_limit

    async def worker() -> None:
        while time.perf_counter() < deadline:
            index = next(counter)
            if index >= end:
                return
            samples.append(await request(index))

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, total)))))
    return LoadResult(concurrency, time.perf_counter() - began, samples)
