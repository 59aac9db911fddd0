"""Slow model: many concurrent chats while every LLM call takes `slow_latency` seconds.

A chat makes two calls, so the model's own time is 2 x latency; with async views end to
end the whole burst should finish in about that, not in a multiple of it.
"""

from __future__ import annotations

import statistics

from bench.clients import chat_request
from bench.direct import direct_chat_request
from bench.loadgen import LoadResult, closed_loop
from bench.scenarios.base import Context, ScenarioResult, Table
from bench.scenarios.chat import check_miss
from bench.stats import fmt
from bench.stub import StubSettings

KEY = "slow"
TITLE = "Slow model (concurrent chats, every LLM call slow)"


def timing_note(run: LoadResult) -> str:
    """The gateway's own account (Server-Timing) of where the time went."""
    parts = []
    for metric in ("llm", "db", "redis", "gateway"):
        summary = run.server_timing(metric)
        parts.append(f"{metric} {fmt(summary.p50)} / {fmt(summary.p99)}")
    return "The gateway's Server-Timing, p50 / p99 ms: " + ", ".join(parts)


async def run(ctx: Context) -> ScenarioResult:
    sizes = ctx.sizes
    n, latency = sizes.slow_concurrency, sizes.slow_latency
    ideal = 2 * latency
    ctx.stub.configure(StubSettings(latency=latency))
    result = ScenarioResult(
        KEY,
        TITLE,
        f"{n} chats sent at once (unique queries), the stub waiting {latency:g} s before "
        f"each reply; ideal = the model's own time, 2 calls x {latency:g} s = {ideal:g} s. "
        f"Repeated {sizes.slow_repeats}x; the median wall time is quoted. The bench user's "
        "quota is raised so it never interferes.",
    )
    gateway = ctx.gateway_target(n)
    direct = ctx.direct_target(n)
    gw_runs: list[LoadResult] = []
    direct_runs: list[LoadResult] = []
    try:
        query = ctx.unique_query("slow")
        chat = chat_request(gateway, ctx.key_headers(), query, check_miss)
        await closed_loop(chat, concurrency=2, total=2, time_limit=sizes.block_time_limit)
        pair = direct_chat_request(direct, ctx.direct_bodies(), query)
        for repeat in range(sizes.slow_repeats):
            start = 1000 + repeat * n
            limit = sizes.block_time_limit
            gw_runs.append(
                await closed_loop(chat, concurrency=n, total=n, time_limit=limit, start=start)
            )
            direct_runs.append(
                await closed_loop(pair, concurrency=n, total=n, time_limit=limit, start=start)
            )
    finally:
        await gateway.aclose()
        await direct.aclose()

    gw_wall = statistics.median(r.wall for r in gw_runs)
    direct_wall = statistics.median(r.wall for r in direct_runs)
    gw_all, direct_all = LoadResult.merge(gw_runs), LoadResult.merge(direct_runs)
    result.metrics.update(
        {
            "wall_s": gw_wall,
            "direct_wall_s": direct_wall,
            "ideal_s": ideal,
            "wall_vs_ideal": gw_wall / ideal,
            "errors": float(gw_all.errors),
        }
    )
    for kind, count in gw_all.error_kinds().items():
        result.errors[f"gateway: {kind}"] = count
    table = Table(
        f"{n} concurrent chats, {latency:g} s per LLM call",
        ["side", "chats ok", "errors", "wall s (median)", "x ideal", "p50 ms", "p99 ms"],
        [],
        notes=[timing_note(gw_all)],
    )
    for side, wall, merged in (("gateway", gw_wall, gw_all), ("direct", direct_wall, direct_all)):
        s = merged.latency()
        table.rows.append(
            [
                side,
                str(len(merged.ok)),
                str(merged.errors),
                fmt(wall, 2),
                fmt(wall / ideal, 2, "x"),
                fmt(s.p50),
                fmt(s.p99),
            ]
        )
    result.tables = [table]
    return result
