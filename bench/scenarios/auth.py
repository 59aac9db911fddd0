"""Authentication cost: a cheap authenticated endpoint (GET /api/user/me) with a JWT, with
an API key and without credentials (401), against GET /health (no authentication)."""

from __future__ import annotations

from bench.clients import HttpTarget, get_request
from bench.loadgen import LoadResult, closed_loop
from bench.scenarios.base import Context, ScenarioResult, Table
from bench.stats import fmt
from bench.stub import StubSettings

KEY = "auth"
TITLE = "Authentication cost"


def variants(ctx: Context) -> list[tuple[str, str, dict[str, str], int]]:
    """(label, path, headers, expected status)."""
    return [
        ("none: GET /health", "/health", {}, 200),
        ("none: GET /api/user/me → 401", "/api/user/me", {}, 401),
        ("JWT: GET /api/user/me", "/api/user/me", ctx.jwt_headers(), 200),
        ("API key: GET /api/user/me", "/api/user/me", ctx.key_headers(), 200),
    ]


async def run(ctx: Context) -> ScenarioResult:
    ctx.stub.configure(StubSettings())
    result = ScenarioResult(
        KEY,
        TITLE,
        "Closed loop per variant; variants alternate round by round. /health itself checks "
        "the database, Redis and Ollama, so it is not free; the 401 row is the cost of the "
        "middleware stack and DRF without any credential check succeeding.",
    )
    table = Table(
        "Requests per second and latency",
        ["c", "variant", "n", "errors", "req/s", "p50 ms", "p99 ms", "CPU ms/req"],
        [],
    )
    sizes = ctx.sizes
    for concurrency, total in sizes.auth_levels:
        target = ctx.gateway_target(concurrency)
        try:
            await measure_level(ctx, target, table, result, concurrency, total)
        finally:
            await target.aclose()
    result.tables = [table]
    return result


async def measure_level(
    ctx: Context,
    target: HttpTarget,
    table: Table,
    result: ScenarioResult,
    concurrency: int,
    total: int,
) -> None:
    sizes = ctx.sizes
    runs: dict[str, list[LoadResult]] = {}
    cpu: dict[str, float] = {}
    limit = sizes.block_time_limit / sizes.rounds
    for _, path, headers, expect in variants(ctx):
        fn = get_request(target, path, headers, expect)
        await closed_loop(fn, concurrency=concurrency, total=sizes.warmup, time_limit=limit)
    for _ in range(sizes.rounds):
        for label, path, headers, expect in variants(ctx):
            fn = get_request(target, path, headers, expect)
            before = ctx.cpu_seconds()
            run = await closed_loop(
                fn, concurrency=concurrency, total=max(1, total // sizes.rounds), time_limit=limit
            )
            cpu[label] = cpu.get(label, 0.0) + ctx.cpu_seconds() - before
            runs.setdefault(label, []).append(run)
    for label, parts in runs.items():
        run = LoadResult.merge(parts)
        s = run.latency()
        cpu_ms = cpu[label] * 1000 / len(run.ok) if run.ok else None
        table.rows.append(
            [
                str(concurrency),
                label,
                str(s.count),
                str(run.errors),
                fmt(run.throughput),
                fmt(s.p50),
                fmt(s.p99),
                fmt(cpu_ms),
            ]
        )
        short = label.split(":")[0].replace(" ", "_").lower()
        if "401" in label:
            short = "unauthenticated"
        result.metrics[f"c{concurrency}.{short}.req_per_s"] = run.throughput
        result.metrics[f"c{concurrency}.{short}.p50_ms"] = s.p50
        result.metrics[f"c{concurrency}.{short}.p99_ms"] = s.p99
        for kind, count in run.error_kinds().items():
            result.errors[f"c={concurrency} {label}: {kind}"] = count
