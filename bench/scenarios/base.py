"""What every scenario gets (`Context`) and gives back (`ScenarioResult`), and the shared
measuring helpers: gateway/direct alternation, process CPU and RSS."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.clients import HttpTarget
from bench.config import Sizes
from bench.gateway import Credentials, Gateway, Infra, db_counters
from bench.loadgen import LoadResult, RequestFn, closed_loop
from bench.stub import Stub

STATS_FLUSH_SECONDS = 1.1


@dataclass
class Context:
    """A running system under test and the means to drive it."""

    sizes: Sizes
    infra: Infra
    creds: Credentials
    gateways: list[Gateway]  # the Daphne processes (CPU and RSS are theirs)
    gateway_url: str  # Daphne itself, or nginx in front of them
    source_addresses: int  # > 0 behind nginx (see HttpTarget)
    stub: Stub
    log_dir: Path
    run_tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def gateway_target(self, concurrency: int) -> HttpTarget:
        return HttpTarget(
            self.gateway_url,
            max_connections=concurrency + 8,
            source_addresses=self.source_addresses,
        )

    def direct_target(self, concurrency: int) -> HttpTarget:
        return HttpTarget(self.stub.url, max_connections=concurrency + 8)

    def jwt_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.creds.jwt}"}

    def key_headers(self) -> dict[str, str]:
        return {"X-API-Key": self.creds.api_key}

    def unique_query(self, label: str) -> Callable[[int], str]:
        """Distinct queries (cache misses) that read like a general question."""
        tag = f"{self.run_tag}-{label}"
        return lambda i: f"Bench {tag} #{i}: what is a good name for a friendly cat?"

    def cpu_seconds(self) -> float:
        """User + system CPU time of every gateway process so far."""
        total = 0.0
        for gateway in self.gateways:
            times = gateway.child.ps().cpu_times()
            total += times.user + times.system
        return total

    async def db_counters(self) -> dict[str, float]:
        """The bench database's session and transaction counters, once PostgreSQL has
        published the latest (backends flush statistics at most once a second)."""
        await asyncio.sleep(STATS_FLUSH_SECONDS)
        return db_counters(self.infra.database_url)

    def rss_bytes(self) -> int:
        return sum(gateway.child.ps().memory_info().rss for gateway in self.gateways)

    def direct_bodies(self) -> dict[str, Any]:
        """The bodies to replay against the stub; a gateway chat must have run first."""
        bodies = self.stub.captured_bodies()
        if bodies is None:
            raise RuntimeError("the stub has not seen the gateway's classifier + answer calls")
        return bodies


@dataclass
class Table:
    """One results table of the report."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


@dataclass
class ScenarioResult:
    """A scenario's tables and its named numbers (targets and summaries read those)."""

    key: str
    title: str
    description: str
    tables: list[Table] = field(default_factory=list)
    metrics: dict[str, float | None] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None


@dataclass
class SideBySide:
    """Gateway and direct results of one level, with the gateway's CPU seconds."""

    gateway: LoadResult
    direct: LoadResult
    gateway_cpu: float
    counters: dict[str, float] = field(default_factory=dict)  # deltas over measured blocks


async def side_by_side(
    gateway_fn: RequestFn,
    direct_fn: Callable[[], RequestFn],
    *,
    concurrency: int,
    total: int,
    rounds: int,
    warmup: int,
    time_limit: float,
    cpu: Callable[[], float],
    counters: Callable[[], Awaitable[dict[str, float]]] | None = None,
) -> SideBySide:
    """Warm both sides up, then alternate gateway and direct blocks `rounds` times.

    Alternating spreads the machine's background noise over both sides. `direct_fn` is
    called after the gateway's warm-up, when the stub has captured the gateway's calls.
    Indices are disjoint across blocks, so unique-query functions never repeat.
    `counters` (e.g. database statistics) are read after the warm-up and at the end; only
    the gateway blocks in between touch what they count.
    """
    index = 0
    await closed_loop(gateway_fn, concurrency=concurrency, total=warmup, time_limit=time_limit)
    index += warmup
    direct = direct_fn()
    await closed_loop(direct, concurrency=concurrency, total=warmup, time_limit=time_limit)
    per_round = max(1, total // rounds)
    gateway_runs: list[LoadResult] = []
    direct_runs: list[LoadResult] = []
    cpu_spent = 0.0
    start_counters = await counters() if counters else {}
    for _ in range(rounds):
        before = cpu()
        gateway_runs.append(
            await closed_loop(
                gateway_fn,
                concurrency=concurrency,
                total=per_round,
                time_limit=time_limit / rounds,
                start=index,
            )
        )
        cpu_spent += cpu() - before
        direct_runs.append(
            await closed_loop(
                direct,
                concurrency=concurrency,
                total=per_round,
                time_limit=time_limit / rounds,
                start=index,
            )
        )
        index += per_round
    end_counters = await counters() if counters else {}
    deltas = {k: end_counters[k] - v for k, v in start_counters.items() if k in end_counters}
    return SideBySide(
        LoadResult.merge(gateway_runs), LoadResult.merge(direct_runs), cpu_spent, deltas
    )
