"""Fast pre-router: time to first token when it routes alone vs. when it hands on.

Every LLM call of the stub takes `LATENCY` s before its first chunk, as a small model on
real hardware might. A gateway with the pre-router on answers two sets of general
questions one at a time over SSE: those the shipped model decides alone (one LLM call:
the answer) and those it hands to the LLM classifier (two calls: classifier, answer; the
stub's classifier says general, so the answer path is the same). Beside them, the model's
own time to first token: the answer call made directly to the stub.
"""

from __future__ import annotations

import time

import httpx

from bench.clients import HttpTarget
from bench.config import QUICK
from bench.direct import _ollama_call, with_query
from bench.gateway import start_gateway
from bench.loadgen import LoadResult, RequestFn, Sample, closed_loop
from bench.scenarios.base import Context, ScenarioResult, Table
from bench.sse import stream_request, stream_sample
from bench.stats import fmt
from bench.stub import StubSettings
from routing.agent.router.dataset import HELDOUT_PATH, TRAIN_PATH, read_examples
from routing.agent.router.model import DATA_DIR, load_model

KEY = "routing"
TITLE = "Fast pre-router (time to first token)"
LATENCY = 0.3  # seconds before each LLM call's first chunk
TARGET = 1.15  # fast-routed TTFT at most this times the model's own


def query_sets(tag: str, count: int) -> tuple[list[str], list[str]]:
    """`count` unique general questions the shipped model routes alone, and `count` it
    hands on; each made unique (no cache hit) and checked with the suffix on."""
    model = load_model(DATA_DIR)
    fast: list[str] = []
    handed: list[str] = []
    examples = read_examples(TRAIN_PATH) + read_examples(HELDOUT_PATH)
    for round_ in range(1000):
        for example in examples:
            text = f"{example.text} ({tag}{round_})"
            guess = model.predict(text)
            sure = guess.confidence >= model.threshold
            if sure and guess.intent == "general" and len(fast) < count:
                fast.append(text)
            elif not sure and len(handed) < count:
                handed.append(text)
        if len(fast) == count and len(handed) == count:
            return fast, handed
    raise RuntimeError("not enough clear general questions in the data set")


def direct_answer_request(target, body: dict, queries: list[str]) -> RequestFn:
    """The answer call alone, straight to the stub: the model's own time to first token."""

    async def request(index: int) -> Sample:
        started = time.perf_counter()
        token_times: list[float] = []
        try:
            problem = await _ollama_call(
                target.client(), with_query(body, queries[index]), token_times
            )
        except (httpx.HTTPError, ValueError) as exc:
            return Sample(time.perf_counter() - started, 0, False, f"{type(exc).__name__}")
        return stream_sample(started, token_times, 200, problem or "")

    return request


def fast_routed(url: str) -> float:
    """How many chats the gateway counted as routed without the LLM call (Prometheus)."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("gateway_routing_decisions_total{") and 'router="fast"' in line
    )


async def run(ctx: Context) -> ScenarioResult:
    if len(ctx.gateways) > 1:
        return ScenarioResult(KEY, TITLE, "", skipped="measured once, on the one-process run")
    count = 8 if ctx.sizes == QUICK else 30
    ctx.stub.configure(StubSettings(latency=LATENCY))
    result = ScenarioResult(
        KEY,
        TITLE,
        f"The stub waits {LATENCY * 1000:g} ms before each LLM call's first chunk. {count} "
        "general questions per row, one at a time over SSE (`/api/chat/stream`), on a "
        "gateway started with `ROUTER_ENABLED=1`; the rows alternate request by request. "
        f"Target: fast-routed TTFT ≤ {TARGET:g}x the model's own TTFT (p50).",
    )
    gateway = start_gateway(
        ctx.infra,
        ctx.stub.url,
        ctx.log_dir,
        name="daphne-routing",
        extra_env={"ROUTER_ENABLED": "1"},
    )
    target: HttpTarget | None = None
    ctx_target: HttpTarget | None = None
    try:
        target = HttpTarget(gateway.url, max_connections=4)
        ctx_target = ctx.direct_target(1)
        fast, handed = query_sets(f"{ctx.run_tag}-", count + 2)
        fast_fn = stream_request(target, ctx.key_headers(), lambda i: fast[i])
        handed_fn = stream_request(target, ctx.key_headers(), lambda i: handed[i])
        # Warm-up (first model load, connections); a handed-on chat lets the stub capture
        # the answer call the direct side replays.
        for fn in (handed_fn, fast_fn):
            await closed_loop(fn, concurrency=1, total=2, time_limit=60)
        answer_body = ctx.direct_bodies()["answer"]
        direct_fn = direct_answer_request(ctx_target, answer_body, fast)
        runs: dict[str, list[LoadResult]] = {"fast": [], "llm": [], "model": []}
        for index in range(2, count + 2):
            for side, fn in (("fast", fast_fn), ("llm", handed_fn), ("model", direct_fn)):
                runs[side].append(
                    await closed_loop(fn, concurrency=1, total=1, time_limit=60, start=index)
                )
        routed_fast = fast_routed(gateway.url)
    finally:
        if target is not None:
            await target.aclose()
        if ctx_target is not None:
            await ctx_target.aclose()
        gateway.child.stop()

    merged = {side: LoadResult.merge(results) for side, results in runs.items()}
    own = merged["model"].ttft().p50
    table = Table(
        f"Time to first token, {LATENCY * 1000:g} ms per LLM call (ms)",
        ["routing", "chats ok", "errors", "TTFT p50", "TTFT p95", "x model's own (p50)"],
        [],
        notes=[
            f"The gateway counted {routed_fast:.0f} chats routed without the LLM call "
            f'(gateway_routing_decisions_total{{router="fast"}}; {count + 2} were sent '
            "as fast, warm-up included)."
        ],
    )
    labels = {
        "fast": "pre-router alone (`router: fast`)",
        "llm": "handed to the LLM classifier (`router: llm`)",
        "model": "the model's own (answer call, direct)",
    }
    for side, label in labels.items():
        run_ = merged[side]
        ttft = run_.ttft()
        ratio = ttft.p50 / own if ttft.p50 is not None and own else None
        table.rows.append(
            [
                label,
                str(len(run_.ok)),
                str(run_.errors),
                fmt(ttft.p50),
                fmt(ttft.p95),
                fmt(ratio, 2, "x"),
            ]
        )
        result.metrics[f"{side}.ttft_p50_ms"] = ttft.p50
        for kind, n in run_.error_kinds().items():
            result.errors[f"{side}: {kind}"] = n
    fast_p50 = result.metrics["fast.ttft_p50_ms"]
    result.metrics["fast_vs_model"] = fast_p50 / own if fast_p50 is not None and own else None
    verdict = result.metrics["fast_vs_model"]
    passed = verdict is not None and verdict <= TARGET
    table.notes.append(
        f"Fast-routed vs the model's own TTFT: {fmt(verdict, 2, 'x')} "
        f"(target ≤ {TARGET:g}x: {'PASS' if passed else 'MISS'})."
    )
    result.tables = [table]
    return result
