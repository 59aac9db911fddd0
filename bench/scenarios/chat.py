"""Chat overhead on cache misses: general intent (classifier + answer), the stub answering
at once, at each concurrency level; the gateway against the same two calls made direct."""

from __future__ import annotations

from typing import Any

from bench.clients import chat_request
from bench.direct import direct_chat_request
from bench.loadgen import LoadResult
from bench.scenarios.base import Context, ScenarioResult, SideBySide, Table, side_by_side
from bench.stats import PERCENTILES, difference, fmt, ratio
from bench.stub import StubSettings

KEY = "chat"
TITLE = "Chat overhead (cache miss, general intent)"


def check_miss(body: dict[str, Any]) -> str | None:
    """A fresh general answer, as the scenario intends."""
    if body.get("cached"):
        return "unexpected cache hit"
    if body.get("is_blocked"):
        return "blocked"
    if body.get("intent") != "general":
        return f"intent {body.get('intent')}"
    return None


async def run(ctx: Context) -> ScenarioResult:
    ctx.stub.configure(StubSettings())
    result = ScenarioResult(
        KEY,
        TITLE,
        "Unique queries (every one a cache miss); the stub answers at once. Direct = the "
        "classifier call and the answer call made back to back against the stub with the "
        "bodies the gateway sent. Overhead = gateway - direct at the same percentile.",
    )
    levels: list[tuple[int, SideBySide]] = []
    for concurrency, total in ctx.sizes.chat_levels:
        levels.append((concurrency, await measure(ctx, concurrency, total)))
    latency = Table(
        "Latency (ms)",
        ["c", "side", "n", "errors", "p50", "p95", "p99", "mean", "req/s"],
        [],
    )
    overhead = Table(
        "Gateway overhead (ms) and cost",
        [
            "c",
            "overhead p50",
            "p95",
            "p99",
            "ratio p50",
            "chats/s",
            "CPU ms/chat",
            "DB sessions / transactions per chat",
            "Server-Timing gateway p50 / p99",
        ],
        [],
        notes=[
            "Server-Timing `gateway` is the gateway's own view (total - time inside the "
            "agent call); it leaves out client, socket and LangGraph costs the comparison "
            "with direct includes.",
            "DB sessions / transactions: PostgreSQL's own counters for the bench database "
            "over the measured gateway blocks, per chat sent (a new session is a new "
            "connection, and a backend process forked for it).",
        ],
    )
    for concurrency, sides in levels:
        add_level(result, latency, overhead, concurrency, sides)
    result.tables = [latency, overhead]
    return result


async def measure(ctx: Context, concurrency: int, total: int) -> SideBySide:
    gateway = ctx.gateway_target(concurrency)
    direct = ctx.direct_target(concurrency)
    query = ctx.unique_query(f"chat-c{concurrency}")
    try:
        return await side_by_side(
            chat_request(gateway, ctx.key_headers(), query, check_miss),
            lambda: direct_chat_request(direct, ctx.direct_bodies(), query),
            concurrency=concurrency,
            total=total,
            rounds=ctx.sizes.rounds,
            warmup=ctx.sizes.warmup,
            time_limit=ctx.sizes.block_time_limit,
            cpu=ctx.cpu_seconds,
            counters=ctx.db_counters,
        )
    finally:
        await gateway.aclose()
        await direct.aclose()


def latency_row(concurrency: int, side: str, run: LoadResult) -> list[str]:
    s = run.latency()
    return [
        str(concurrency),
        side,
        str(s.count),
        str(run.errors),
        fmt(s.p50),
        fmt(s.p95),
        fmt(s.p99),
        fmt(s.mean),
        fmt(run.throughput),
    ]


def add_level(
    result: ScenarioResult, latency: Table, overhead: Table, concurrency: int, sides: SideBySide
) -> None:
    gw, direct = sides.gateway.latency(), sides.direct.latency()
    latency.rows.append(latency_row(concurrency, "gateway", sides.gateway))
    latency.rows.append(latency_row(concurrency, "direct", sides.direct))
    server = sides.gateway.server_timing("gateway")
    chats = len(sides.gateway.ok)
    cpu_ms = sides.gateway_cpu * 1000 / chats if chats else None
    sent = len(sides.gateway.samples)
    sessions = sides.counters["db_sessions"] / sent if sent and sides.counters else None
    transactions = sides.counters["db_transactions"] / sent if sent and sides.counters else None
    prefix = f"c{concurrency}"
    result.metrics[f"{prefix}.db_sessions_per_chat"] = sessions
    result.metrics[f"{prefix}.db_transactions_per_chat"] = transactions
    for pct in PERCENTILES:
        result.metrics[f"{prefix}.overhead_p{pct}_ms"] = difference(gw.get(pct), direct.get(pct))
        result.metrics[f"{prefix}.gateway_p{pct}_ms"] = gw.get(pct)
        result.metrics[f"{prefix}.direct_p{pct}_ms"] = direct.get(pct)
    result.metrics[f"{prefix}.ratio_p50"] = ratio(gw.p50, direct.p50)
    result.metrics[f"{prefix}.chats_per_s"] = sides.gateway.throughput
    result.metrics[f"{prefix}.cpu_ms_per_chat"] = cpu_ms
    result.metrics[f"{prefix}.errors"] = float(sides.gateway.errors)
    for kind, count in sides.gateway.error_kinds().items():
        result.errors[f"c={concurrency} gateway: {kind}"] = count
    for kind, count in sides.direct.error_kinds().items():
        result.errors[f"c={concurrency} direct: {kind}"] = count
    m = result.metrics
    overhead.rows.append(
        [
            str(concurrency),
            fmt(m[f"{prefix}.overhead_p50_ms"]),
            fmt(m[f"{prefix}.overhead_p95_ms"]),
            fmt(m[f"{prefix}.overhead_p99_ms"]),
            fmt(m[f"{prefix}.ratio_p50"], 2, "x"),
            fmt(sides.gateway.throughput),
            fmt(cpu_ms),
            f"{fmt(sessions, 2)} / {fmt(transactions, 2)}",
            f"{fmt(server.p50)} / {fmt(server.p99)}",
        ]
    )
