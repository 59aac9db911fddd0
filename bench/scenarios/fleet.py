"""Fleet: two Ollama test servers behind one gateway (issue 14).

Its own system under test: two stub processes answering every LLM call after
`slow_latency` seconds (1 s in the full run) and one Daphne process with OLLAMA_URLS naming
both. A burst of `slow_concurrency` chats (200) measures how the calls split and the wall
time against the ideal (two calls of 1 s each); a second burst stops one stub halfway, and
the difference is what failover added. The split is the gateway's own per-backend call
count (the Redis-held `gateway_ollama_backend_calls`).
"""

from __future__ import annotations

import asyncio

import redis

from bench.clients import HttpTarget, chat_request
from bench.gateway import Gateway, daphne_args
from bench.loadgen import LoadResult, closed_loop
from bench.procs import free_port, spawn, wait_http
from bench.scenarios.base import Context, ScenarioResult, Table
from bench.scenarios.chat import check_miss
from bench.stats import fmt
from bench.stub import Stub, StubSettings
from metrics import store
from metrics.fleet_metrics import FLEET_CALLS

KEY = "fleet"
TITLE = "Fleet (two Ollama backends, one stopped halfway)"


def calls_by_backend(redis_url: str) -> dict[str, int]:
    client = redis.Redis.from_url(redis_url)
    try:
        raw = store.decode_hash(client.hgetall(FLEET_CALLS))
    finally:
        client.close()
    counts: dict[str, int] = {}
    for name, value in raw.items():
        backend, outcome = name.split(store.SEP)
        if outcome == "ok":
            counts[backend] = counts.get(backend, 0) + int(value)
    return counts


def start_fleet_gateway(ctx: Context, urls: list[str]) -> Gateway:
    port = free_port()
    env = ctx.infra.env(urls[0])
    env["OLLAMA_URLS"] = ",".join(urls)
    env.pop("OLLAMA_URL", None)
    child = spawn("daphne-fleet", daphne_args(port), env=env, log_dir=ctx.log_dir)
    gateway = Gateway(child, port)
    wait_http(child, f"{gateway.url}/health", timeout=90)
    return gateway


async def run(ctx: Context) -> ScenarioResult:
    sizes = ctx.sizes
    n, latency = sizes.slow_concurrency, sizes.slow_latency
    ideal = 2 * latency
    result = ScenarioResult(
        KEY,
        TITLE,
        f"Two Ollama test servers (separate processes), each waiting {latency:g} s before "
        f"every reply, behind one Daphne process with OLLAMA_URLS naming both (no cap). "
        f"{n} chats sent at once (unique queries; 2 LLM calls each); ideal wall = "
        f"{ideal:g} s (after a warm-up of 4 chats). Then the same burst again, stopping one "
        f"server {ideal / 2:g} s in: calls it had in flight fail over to the other before "
        "their first token.",
    )
    if len(ctx.gateways) > 1:
        result.skipped = "runs once, in the one-process run (it starts its own gateway)"
        return result
    stubs = [Stub(ctx.log_dir), Stub(ctx.log_dir)]
    gateway = None
    try:
        for stub in stubs:
            stub.configure(StubSettings(latency=latency))
        gateway = start_fleet_gateway(ctx, [stub.url for stub in stubs])
        await burst(ctx, gateway, 4, start=0)  # warm-up: connections, clients, the first probe
        steady, split = await burst(ctx, gateway, n, start=4)
        failover, failover_split = await burst(
            ctx, gateway, n, start=4 + n, stop_after=ideal / 2, stop=stubs[1]
        )
    finally:
        if gateway is not None:
            gateway.child.stop()
        for stub in stubs:
            stub.stop()
    for label, run_result in (("steady", steady), ("failover", failover)):
        for kind, count in run_result.error_kinds().items():
            result.errors[f"{label}: {kind}"] = count
    urls = [stub.url for stub in stubs]
    shares = [split.get(url, 0) for url in urls]
    total_calls = max(1, sum(shares))
    result.metrics.update(
        {
            "wall_s": steady.wall,
            "ideal_s": ideal,
            "wall_vs_ideal": steady.wall / ideal,
            "split_first_share": shares[0] / total_calls,
            "failover_wall_s": failover.wall,
            "failover_added_p50_ms": added(failover.latency().p50, steady.latency().p50),
            "failover_added_p99_ms": added(failover.latency().p99, steady.latency().p99),
            "errors": float(steady.errors + failover.errors),
        }
    )
    result.tables = [
        Table(
            f"{n} concurrent chats, {latency:g} s per LLM call, two backends",
            ["run", "chats ok", "errors", "wall s", "x ideal", "p50 ms", "p99 ms"],
            [row(label, r, ideal) for label, r in (("both up", steady), ("one stopped", failover))],
            notes=[
                "Added by the stop (one stopped minus both up): p50 "
                f"{fmt(result.metrics['failover_added_p50_ms'])} ms, p99 "
                f"{fmt(result.metrics['failover_added_p99_ms'])} ms; the ideal is at most one "
                f"call's time ({latency:g} s): a call cut on the stopped server starts again "
                "on the other."
            ],
        ),
        Table(
            "LLM calls per backend (the gateway's count of answered calls)",
            ["backend", "both up", "share", "one stopped halfway"],
            [
                [
                    f"server {i + 1}" + (" (stopped)" if i == 1 else ""),
                    str(shares[i]),
                    fmt(100 * shares[i] / total_calls, 1, "%"),
                    str(failover_split.get(url, 0)),
                ]
                for i, url in enumerate(urls)
            ],
        ),
    ]
    return result


def added(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def row(label: str, run_result: LoadResult, ideal: float) -> list[str]:
    s = run_result.latency()
    return [
        label,
        str(len(run_result.ok)),
        str(run_result.errors),
        fmt(run_result.wall, 2),
        fmt(run_result.wall / ideal, 2, "x"),
        fmt(s.p50),
        fmt(s.p99),
    ]


async def burst(
    ctx: Context,
    gateway: Gateway,
    n: int,
    *,
    start: int,
    stop_after: float | None = None,
    stop: Stub | None = None,
) -> tuple[LoadResult, dict[str, int]]:
    """`n` chats at once; the calls each backend answered; optionally stop a stub mid-way."""
    target = HttpTarget(gateway.url, max_connections=n + 8)
    chat = chat_request(target, ctx.key_headers(), ctx.unique_query("fleet"), check_miss)
    before = calls_by_backend(ctx.infra.redis_url)

    async def stopper() -> None:
        if stop is None or stop_after is None:
            return
        await asyncio.sleep(stop_after)
        await asyncio.to_thread(stop.stop)  # SIGTERM: its open connections are cut

    try:
        load, _ = await asyncio.gather(
            closed_loop(
                chat, concurrency=n, total=n, time_limit=ctx.sizes.block_time_limit, start=start
            ),
            stopper(),
        )
    finally:
        await target.aclose()
    after = calls_by_backend(ctx.infra.redis_url)
    return load, {url: after.get(url, 0) - before.get(url, 0) for url in after}
