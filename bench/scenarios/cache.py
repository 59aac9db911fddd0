"""Cache hits: one query asked again and again; every answer after the first is cached."""

from __future__ import annotations

from typing import Any

from bench.clients import chat_request
from bench.loadgen import LoadResult, closed_loop
from bench.scenarios.base import Context, ScenarioResult, Table
from bench.stats import fmt
from bench.stub import StubSettings

KEY = "cache"
TITLE = "Cache hits"


def check_hit(body: dict[str, Any]) -> str | None:
    return None if body.get("cached") is True else "not served from cache"


async def run(ctx: Context) -> ScenarioResult:
    ctx.stub.configure(StubSettings())
    result = ScenarioResult(
        KEY,
        TITLE,
        "The same query repeated (the first request fills the cache and is not counted); "
        "a hit still counts quota, stores the exchange and logs usage, but calls no model.",
    )
    table = Table(
        "Cached answers",
        ["c", "n", "errors", "p50 ms", "p95 ms", "p99 ms", "req/s", "CPU ms/req"],
        [],
    )
    query = f"Bench {ctx.run_tag} cached: what is a good name for a friendly cat?"
    for concurrency, total in ctx.sizes.cache_levels:
        target = ctx.gateway_target(concurrency)
        try:
            ask = chat_request(target, ctx.key_headers(), lambda _: query, check_hit)
            warm = chat_request(target, ctx.key_headers(), lambda _: query, lambda _: None)
            limit = ctx.sizes.block_time_limit
            await closed_loop(warm, concurrency=1, total=1, time_limit=limit)
            await closed_loop(
                ask, concurrency=concurrency, total=ctx.sizes.warmup, time_limit=limit
            )
            before = ctx.cpu_seconds()
            run_ = await closed_loop(ask, concurrency=concurrency, total=total, time_limit=limit)
            cpu = ctx.cpu_seconds() - before
        finally:
            await target.aclose()
        add_row(result, table, concurrency, run_, cpu)
    result.tables = [table]
    return result


def add_row(
    result: ScenarioResult, table: Table, concurrency: int, run: LoadResult, cpu: float
) -> None:
    s = run.latency()
    cpu_ms = cpu * 1000 / len(run.ok) if run.ok else None
    table.rows.append(
        [
            str(concurrency),
            str(s.count),
            str(run.errors),
            fmt(s.p50),
            fmt(s.p95),
            fmt(s.p99),
            fmt(run.throughput),
            fmt(cpu_ms),
        ]
    )
    result.metrics[f"c{concurrency}.p50_ms"] = s.p50
    result.metrics[f"c{concurrency}.p99_ms"] = s.p99
    result.metrics[f"c{concurrency}.req_per_s"] = run.throughput
    result.metrics[f"c{concurrency}.errors"] = float(run.errors)
    for kind, count in run.error_kinds().items():
        result.errors[f"c={concurrency}: {kind}"] = count
