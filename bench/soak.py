"""`make soak` / `python -m bench.soak`: a bounded mixed load against one Daphne process for a
set time, watching its resident memory and every request that failed unexpectedly.

The mix (weights in MIX): chats with a fresh question (cache misses), chats repeating a
few questions (cache hits), full SSE streams, streams the client leaves after the first
token, and chats from a second user whose small quota makes part of them 429s. The load is
paced (`--rate` operations per second, at most `--concurrency` in flight) so it stays the
same for the whole run. Ollama is the Ollama test server (bench.ollama_stub).

Reported: RSS of the Daphne process every `--sample-seconds` (psutil), its growth from the
end of warm-up to the end, every unexpected outcome (a status or error the operation does
not allow, a stream without `done`), and the ledger check: UsageRecord rows against
admitted requests (every 200). Exit status 1 when memory grew 10 % or more after warm-up,
a ledger row is missing, or a request failed unexpectedly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import psycopg

from bench.gateway import Infra, ensure_database, migrate, provision, start_gateway
from bench.sse import sse_events
from bench.stub import Stub, StubSettings

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gw_soak"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
MEMORY_GROWTH_LIMIT = 0.10
LIMITED_QUOTA = 30  # per minute: the limited user's share of the mix overruns it
CACHED_QUERIES = [f"What is soak question number {n}?" for n in range(5)]
# (operation, weight)
MIX = [
    ("chat", 30),
    ("chat_cached", 20),
    ("stream", 20),
    ("stream_leave", 10),
    ("chat_limited", 20),
]
LEDGER_SETTLE_SECONDS = 30.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("SOAK_SECONDS", "1200")),
        help="how long the load runs (default SOAK_SECONDS or 1200)",
    )
    parser.add_argument("--warmup", type=float, default=None, help="default: 10 %% of the run")
    parser.add_argument("--rate", type=float, default=12.0, help="operations per second")
    parser.add_argument("--concurrency", type=int, default=16, help="operations in flight, max")
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--output", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    if args.warmup is None:
        args.warmup = min(120.0, args.seconds * 0.1)
    return args


def log(message: str) -> None:
    print(f"{datetime.now():%H:%M:%S} {message}", flush=True)


@dataclass
class Tally:
    """What happened, per operation."""

    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    admitted: int = 0  # responses that passed the quota: each must leave one ledger row
    unexpected: list[str] = field(default_factory=list)

    def record(self, operation: str, outcome: str, *, ok: bool, admitted: bool) -> None:
        self.outcomes[(operation, outcome)] += 1
        self.admitted += admitted
        if not ok and len(self.unexpected) < 200:
            self.unexpected.append(f"{datetime.now():%H:%M:%S} {operation}: {outcome}")

    @property
    def unexpected_count(self) -> int:
        return sum(n for (op, outcome), n in self.outcomes.items() if not _expected(op, outcome))


def _expected(operation: str, outcome: str) -> bool:
    if operation == "chat_limited":
        return outcome in {"200", "200 cached", "429"}
    return outcome in {"200", "200 cached", "200 left"}


class Load:
    """The operations, against one gateway."""

    def __init__(self, url: str, main_jwt: str, limited_jwt: str, tally: Tally) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
        self.client = httpx.AsyncClient(base_url=url, timeout=60, limits=limits)
        self.main = {"Authorization": f"Bearer {main_jwt}"}
        self.limited = {"Authorization": f"Bearer {limited_jwt}"}
        self.tally = tally
        self.serial = 0

    async def run(self, operation: str) -> None:
        self.serial += 1
        try:
            outcome, admitted = await getattr(self, operation)(self.serial)
        except httpx.HTTPError as exc:
            outcome, admitted = f"{type(exc).__name__}: {exc}"[:160], False
        self.tally.record(operation, outcome, ok=_expected(operation, outcome), admitted=admitted)

    async def _chat(self, query: str, headers: dict) -> tuple[str, bool]:
        response = await self.client.post("/api/chat/", json={"query": query}, headers=headers)
        if response.status_code != 200:
            return str(response.status_code), False
        body = response.json()
        if not body.get("response"):
            return "200 without an answer", True
        return ("200 cached" if body.get("cached") else "200"), True

    async def chat(self, n: int) -> tuple[str, bool]:
        return await self._chat(f"Soak question {n}: tell me about harbours.", self.main)

    async def chat_cached(self, n: int) -> tuple[str, bool]:
        return await self._chat(random.choice(CACHED_QUERIES), self.main)

    async def chat_limited(self, n: int) -> tuple[str, bool]:
        return await self._chat(f"Limited question {n}", self.limited)

    async def stream(self, n: int, *, leave: bool = False) -> tuple[str, bool]:
        body = {"query": f"Soak stream {n}: describe a lighthouse."}
        async with self.client.stream(
            "POST", "/api/chat/stream", json=body, headers=self.main
        ) as response:
            if response.status_code != 200:
                await response.aread()
                return str(response.status_code), False
            async for event, data in sse_events(response):
                if event == "token" and leave:
                    return "200 left", True  # closing the stream here disconnects
                if event == "done":
                    return "200", True
                if event == "error":
                    return f"200 error event {data[:80]}", True
        return "200 without done", True

    async def stream_leave(self, n: int) -> tuple[str, bool]:
        return await self.stream(n, leave=True)

    async def aclose(self) -> None:
        await self.client.aclose()


async def drive(load: Load, args: argparse.Namespace, stop_at: float) -> None:
    """Start operations at `--rate`, never more than `--concurrency` at once."""
    operations, weights = zip(*MIX, strict=True)
    slots = asyncio.Semaphore(args.concurrency)
    tasks: set[asyncio.Task] = set()
    interval = 1.0 / args.rate
    next_start = time.monotonic()
    while time.monotonic() < stop_at:
        await slots.acquire()
        operation = random.choices(operations, weights)[0]
        task = asyncio.create_task(load.run(operation))
        tasks.add(task)
        task.add_done_callback(lambda t: (tasks.discard(t), slots.release()))
        next_start += interval
        await asyncio.sleep(max(0.0, next_start - time.monotonic()))
    if tasks:
        await asyncio.wait(tasks)


async def sample_memory(pid: int, every: float, stop_at: float, samples: list) -> None:
    import psutil

    process = psutil.Process(pid)
    started = time.monotonic()
    while True:
        samples.append((time.monotonic() - started, process.memory_info().rss))
        if time.monotonic() >= stop_at:
            return
        await asyncio.sleep(min(every, max(0.0, stop_at - time.monotonic())))


def ledger_rows(database_url: str, user_ids: list[str]) -> int:
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT count(*) FROM metrics_usagerecord WHERE user_id = ANY(%s::uuid[])",
            (user_ids,),
        ).fetchone()
    return int(row[0])


def settled_ledger_rows(database_url: str, user_ids: list[str], expected: int) -> int:
    """Rows once writing has stopped (a left stream's row may land a moment later)."""
    deadline = time.monotonic() + LEDGER_SETTLE_SECONDS
    rows = ledger_rows(database_url, user_ids)
    while rows < expected and time.monotonic() < deadline:
        time.sleep(1.0)
        rows = ledger_rows(database_url, user_ids)
    return rows


@dataclass
class Result:
    seconds: float
    warmup: float
    samples: list[tuple[float, int]]
    tally: Tally
    ledger: int

    @property
    def baseline_rss(self) -> int:
        after_warmup = [rss for t, rss in self.samples if t >= self.warmup]
        return after_warmup[0] if after_warmup else self.samples[-1][1]

    @property
    def final_rss(self) -> int:
        last = [rss for _, rss in self.samples[-3:]]
        return sum(last) // len(last)

    @property
    def growth(self) -> float:
        return (self.final_rss - self.baseline_rss) / self.baseline_rss

    @property
    def missing_rows(self) -> int:
        return self.tally.admitted - self.ledger

    @property
    def passed(self) -> bool:
        return (
            self.growth < MEMORY_GROWTH_LIMIT
            and self.missing_rows == 0
            and self.tally.unexpected_count == 0
        )


def render(result: Result, args: argparse.Namespace) -> str:
    mib = 1024 * 1024
    lines = [
        f"# Soak: {result.seconds:.0f} s, {args.rate:g} operations/s, "
        f"at most {args.concurrency} in flight, one Daphne process",
        "",
        f"- verdict: {'PASS' if result.passed else 'FAIL'}",
        f"- RSS after warm-up ({result.warmup:.0f} s): {result.baseline_rss / mib:.1f} MiB; "
        f"at the end: {result.final_rss / mib:.1f} MiB; growth {result.growth:+.1%} "
        f"(limit {MEMORY_GROWTH_LIMIT:.0%})",
        f"- admitted requests {result.tally.admitted}, ledger rows {result.ledger}, "
        f"missing {result.missing_rows}",
        f"- unexpected outcomes: {result.tally.unexpected_count}",
        "",
        "| operation | outcome | count |",
        "|---|---|---|",
    ]
    for (operation, outcome), count in sorted(result.tally.outcomes.items()):
        lines.append(f"| {operation} | {outcome} | {count} |")
    lines += ["", "RSS over time (one line a minute):", "", "| t (s) | RSS (MiB) |", "|---|---|"]
    next_t = 0.0
    for t, rss in result.samples:
        if t >= next_t:
            lines.append(f"| {t:.0f} | {rss / mib:.1f} |")
            next_t += 60.0
    if result.tally.unexpected:
        lines += ["", "Unexpected (first 200):", ""]
        lines += [f"- {item}" for item in result.tally.unexpected]
    return "\n".join(lines) + "\n"


async def soak(args: argparse.Namespace, url: str, pid: int, creds: list) -> Result:
    tally = Tally()
    load = Load(url, creds[0].jwt, creds[1].jwt, tally)
    samples: list[tuple[float, int]] = []
    started = time.monotonic()
    stop_at = started + args.seconds
    try:
        await asyncio.gather(
            drive(load, args, stop_at), sample_memory(pid, args.sample_seconds, stop_at, samples)
        )
    finally:
        await load.aclose()
    user_ids = [c.user_id for c in creds]
    ledger = settled_ledger_rows(args.database_url, user_ids, tally.admitted)
    return Result(time.monotonic() - started, args.warmup, samples, tally, ledger)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    log(f"logs in {log_dir}")
    ensure_database(args.database_url)
    infra = Infra.create(args.database_url, args.redis_url)
    infra.flush_redis()
    migrate(infra, log_dir)
    creds = [
        provision(infra, username="soak"),
        provision(infra, quota=LIMITED_QUOTA, username="soak_limited"),
    ]
    stub = Stub(log_dir)
    stub.configure(StubSettings(latency=0.05, chunks=10, chunk_interval=0.02))
    gateway = start_gateway(infra, stub.url, log_dir, name="soak-daphne")
    try:
        log(f"soak: {args.seconds:.0f} s against {gateway.url} (pid {gateway.child.pid})")
        result = asyncio.run(soak(args, gateway.url, gateway.child.pid, creds))
    finally:
        gateway.child.stop()
        stub.stop()
    report = render(result, args)
    print(report, flush=True)
    if args.output:
        args.output.write_text(report)
    (log_dir / "soak.json").write_text(
        json.dumps({"samples": result.samples, "admitted": result.tally.admitted})
    )
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
