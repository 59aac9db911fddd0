"""Passthrough overhead: one explicit-model `/v1/chat/completions` call (no agent: quota,
input guard, the model, the ledger row) against the same call made direct to the stub's
`/api/chat`, side by side at c=1 and c=10 (issue 12's targets: overhead p50 <= 5 ms at
c=1, >= 150 requests/s at c=10 on one Daphne process)."""

from __future__ import annotations

import time

import httpx

from bench.clients import HttpTarget, QueryFn, failed, server_timing
from bench.loadgen import RequestFn, Sample
from bench.scenarios.base import Context, ScenarioResult, Table, side_by_side
from bench.scenarios.chat import add_level
from bench.stub import StubSettings

KEY = "passthrough"
TITLE = "Passthrough overhead (/v1/chat/completions, explicit model)"
MODEL = "llama3.2:3b"
LEVELS = (1, 10)


def _messages(query: QueryFn, index: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": query(index)}]


def gateway_request(target: HttpTarget, api_key: str, query: QueryFn) -> RequestFn:
    """The OpenAI call as the openai SDK makes it (Bearer key, non-streamed)."""
    headers = {"Authorization": f"Bearer {api_key}"}

    async def request(index: int) -> Sample:
        started = time.perf_counter()
        body = {"model": MODEL, "messages": _messages(query, index)}
        try:
            response = await target.client().post(
                "/v1/chat/completions", json=body, headers=headers
            )
            answer = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            return failed(started, exc)
        content = ((answer or {}).get("choices") or [{}])[0].get("message", {}).get("content")
        ok = response.status_code == 200 and bool(content)
        return Sample(
            time.perf_counter() - started,
            response.status_code,
            ok,
            error=None if ok else f"HTTP {response.status_code}",
            server_timing=server_timing(response),
        )

    return request


def direct_request(target: HttpTarget, query: QueryFn) -> RequestFn:
    """The body the gateway sends Ollama for that call, sent straight to the stub."""

    async def request(index: int) -> Sample:
        started = time.perf_counter()
        body = {"model": MODEL, "messages": _messages(query, index), "stream": False}
        try:
            response = await target.client().post("/api/chat", json=body)
            ok = response.status_code == 200 and response.json().get("done") is True
        except (httpx.HTTPError, ValueError) as exc:
            return failed(started, exc)
        return Sample(time.perf_counter() - started, response.status_code, ok)

    return request


async def run(ctx: Context) -> ScenarioResult:
    ctx.stub.configure(StubSettings())
    result = ScenarioResult(
        KEY,
        TITLE,
        "An explicit model skips the agent: the gateway checks the key and the quota, runs "
        "the input guard, calls the model once and commits the ledger row. Direct = the same "
        "non-streamed /api/chat body sent to the stub. Overhead = gateway - direct at the "
        "same percentile.",
    )
    latency = Table(
        "Latency (ms)", ["c", "side", "n", "errors", "p50", "p95", "p99", "mean", "req/s"], []
    )
    overhead = Table(
        "Gateway overhead (ms) and cost",
        [
            "c",
            "overhead p50",
            "p95",
            "p99",
            "ratio p50",
            "requests/s",
            "CPU ms/request",
            "DB sessions / transactions per request",
            "Server-Timing gateway p50 / p99",
        ],
        [],
    )
    for concurrency, total in ctx.sizes.chat_levels:
        if concurrency not in LEVELS:
            continue
        gateway = ctx.gateway_target(concurrency)
        direct = ctx.direct_target(concurrency)
        query = ctx.unique_query(f"passthrough-c{concurrency}")
        try:
            sides = await side_by_side(
                gateway_request(gateway, ctx.creds.api_key, query),
                lambda direct=direct, query=query: direct_request(direct, query),
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
        add_level(result, latency, overhead, concurrency, sides)
    result.tables = [latency, overhead]
    return result
