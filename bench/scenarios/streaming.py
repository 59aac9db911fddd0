"""Streaming: time to first token and the gaps between tokens, gateway SSE vs direct.

The stub's classifier answers at once; the answer streams `stream_chunks` pieces
`stream_chunk_interval` s apart. Direct TTFT = the whole classifier call + the answer's
first content chunk, exactly what a client of the gateway waits for.
"""

from __future__ import annotations

from bench.direct import direct_stream_request
from bench.scenarios.base import Context, ScenarioResult, SideBySide, Table, side_by_side
from bench.sse import stream_request
from bench.stats import difference, fmt
from bench.stub import StubSettings

KEY = "streaming"
TITLE = "Streaming (SSE)"


async def run(ctx: Context) -> ScenarioResult:
    sizes = ctx.sizes
    ctx.stub.configure(
        StubSettings(chunks=sizes.stream_chunks, chunk_interval=sizes.stream_chunk_interval)
    )
    result = ScenarioResult(
        KEY,
        TITLE,
        f"The answer streams {sizes.stream_chunks} chunks {sizes.stream_chunk_interval * 1000:g}"
        " ms apart (the classifier answers at once). Added = gateway - direct at the same "
        "percentile.",
    )
    table = Table(
        "Time to first token and inter-token gap (ms)",
        [
            "c",
            "side",
            "streams",
            "errors",
            "tokens/stream",
            "TTFT p50",
            "TTFT p99",
            "gap p50",
            "gap p99",
            "total p50",
        ],
        [],
    )
    added = Table(
        "Added by the gateway (ms)", ["c", "TTFT p50", "TTFT p99", "gap p50", "gap p99"], []
    )
    for concurrency, total in sizes.stream_levels:
        sides = await measure(ctx, concurrency, total)
        record(result, table, added, concurrency, sides)
    result.tables = [table, added]
    return result


async def measure(ctx: Context, concurrency: int, total: int) -> SideBySide:
    gateway = ctx.gateway_target(concurrency)
    direct = ctx.direct_target(concurrency)
    query = ctx.unique_query(f"stream-c{concurrency}")
    try:
        return await side_by_side(
            stream_request(gateway, ctx.key_headers(), query),
            lambda: direct_stream_request(direct, ctx.direct_bodies(), query),
            concurrency=concurrency,
            total=total,
            rounds=ctx.sizes.rounds,
            warmup=max(1, ctx.sizes.warmup // 4),
            time_limit=ctx.sizes.block_time_limit,
            cpu=ctx.cpu_seconds,
        )
    finally:
        await gateway.aclose()
        await direct.aclose()


def record(
    result: ScenarioResult, table: Table, added: Table, concurrency: int, sides: SideBySide
) -> None:
    summaries = {}
    for side, run in (("gateway", sides.gateway), ("direct", sides.direct)):
        ttft, gaps, total = run.ttft(), run.gaps(), run.latency()
        summaries[side] = (ttft, gaps)
        tokens = [s.tokens for s in run.ok]
        per_stream = sum(tokens) / len(tokens) if tokens else None
        table.rows.append(
            [
                str(concurrency),
                side,
                str(len(run.ok)),
                str(run.errors),
                fmt(per_stream),
                fmt(ttft.p50),
                fmt(ttft.p99),
                fmt(gaps.p50),
                fmt(gaps.p99),
                fmt(total.p50),
            ]
        )
        for kind, count in run.error_kinds().items():
            result.errors[f"c={concurrency} {side}: {kind}"] = count
    (gw_ttft, gw_gaps), (d_ttft, d_gaps) = summaries["gateway"], summaries["direct"]
    prefix = f"c{concurrency}"
    m = result.metrics
    m[f"{prefix}.ttft_added_p50_ms"] = difference(gw_ttft.p50, d_ttft.p50)
    m[f"{prefix}.ttft_added_p99_ms"] = difference(gw_ttft.p99, d_ttft.p99)
    m[f"{prefix}.gap_added_p50_ms"] = difference(gw_gaps.p50, d_gaps.p50)
    m[f"{prefix}.gap_added_p99_ms"] = difference(gw_gaps.p99, d_gaps.p99)
    m[f"{prefix}.gateway_ttft_p50_ms"] = gw_ttft.p50
    m[f"{prefix}.errors"] = float(sides.gateway.errors)
    added.rows.append(
        [
            str(concurrency),
            fmt(m[f"{prefix}.ttft_added_p50_ms"]),
            fmt(m[f"{prefix}.ttft_added_p99_ms"]),
            fmt(m[f"{prefix}.gap_added_p50_ms"]),
            fmt(m[f"{prefix}.gap_added_p99_ms"]),
        ]
    )
