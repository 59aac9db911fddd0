"""`--profile [chat|cache|streaming|passthrough|health]`: one call at c=10 against a profiled
gateway.

Profiled twice, each on a fresh gateway and covering only the measured load: under
pyinstrument (the main thread's wall time, an interactive HTML call tree; the per-thread CPU
split shows how much of the gateway's CPU that thread accounts for), then under py-spy
(bench/cpu_profile.py: CPU, every thread, the process at its usual speed).
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import datetime
from pathlib import Path

from pyinstrument.session import Session

from bench.clients import chat_request, get_request
from bench.cpu_profile import Recording, parse_folded, summarize_folded
from bench.gateway import Infra, start_gateway
from bench.loadgen import LoadResult, closed_loop
from bench.profile_summary import summarize
from bench.scenarios import passthrough
from bench.scenarios.base import Context
from bench.scenarios.cache import check_hit
from bench.scenarios.chat import check_miss
from bench.sse import stream_request
from bench.stats import fmt
from bench.stub import StubSettings

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
CONCURRENCY = 10
WRITE_TIMEOUT = 120.0


def thread_cpu(ctx: Context) -> dict[str, float]:
    """CPU seconds of the gateway's main thread and of all its other threads.

    Django runs each request's sync work in a thread of its own that exits with the
    request, so "other" is the process total minus the main thread (exited threads'
    time stays in the process total).
    """
    process = ctx.gateways[0].child.ps()
    main = next((t for t in process.threads() if t.id == process.pid), None)
    main_seconds = main.user_time + main.system_time if main else 0.0
    times = process.cpu_times()
    return {"main": main_seconds, "other": times.user + times.system - main_seconds}


# What `--profile` can profile: a cache-miss chat, a cache hit (one query repeated; the
# warm-up fills the cache), a streamed chat (SSE, read to its `done` event), the
# explicit-model /v1 call, or GET /health.
PROFILED = {
    "chat": lambda ctx, target, query: chat_request(target, ctx.key_headers(), query, check_miss),
    "cache": lambda ctx, target, query: chat_request(
        target, ctx.key_headers(), lambda _: query(0), check_hit
    ),
    "streaming": lambda ctx, target, query: stream_request(target, ctx.key_headers(), query),
    "health": lambda ctx, target, query: get_request(target, "/health", {}, 200),
    "passthrough": lambda ctx, target, query: passthrough.gateway_request(
        target, ctx.creds.api_key, query
    ),
}


async def profile_call(
    ctx: Context, infra: Infra, requests: int, log_dir: Path, which: str = "chat"
) -> list[str]:
    """Profile the call twice: under pyinstrument (wall time of the main thread; HTML) and
    under py-spy (CPU: the thread holding the GIL, every thread); returns report lines."""
    PROFILE_DIR.mkdir(exist_ok=True)
    base = PROFILE_DIR / f"{which}-c{CONCURRENCY}-{datetime.now():%Y%m%d-%H%M%S}"
    return [
        *await _pyinstrument_profile(ctx, infra, requests, log_dir, which, base),
        "",
        *await _cpu_profile(ctx, infra, requests, log_dir, which, base),
    ]


async def _under_load(
    ctx: Context, gateway, which: str, requests: int, start, stop, *, tag: str
) -> tuple[LoadResult, dict[str, float], dict[str, float]]:
    """Warm `gateway` up, then `start()`, run the profiled call `requests` times, `stop()`.
    Each profiler's run asks its own questions (a chat must not hit the other's cache)."""
    ctx.gateways, ctx.gateway_url = [gateway], gateway.url
    target = ctx.gateway_target(CONCURRENCY)
    try:
        chat = PROFILED[which](ctx, target, ctx.unique_query(f"profile-{which}-{tag}"))
        limit = ctx.sizes.block_time_limit
        await closed_loop(chat, concurrency=CONCURRENCY, total=20, time_limit=limit)
        before = thread_cpu(ctx)
        await start()
        run = await closed_loop(
            chat, concurrency=CONCURRENCY, total=requests, time_limit=limit, start=100
        )
        await stop()
        return run, before, thread_cpu(ctx)
    finally:
        await target.aclose()


async def _pyinstrument_profile(
    ctx: Context, infra: Infra, requests: int, log_dir: Path, which: str, base: Path
) -> list[str]:
    ctx.stub.configure(StubSettings())
    gateway = start_gateway(infra, ctx.stub.url, log_dir, name="daphne-profiled", profile_to=base)

    async def start() -> None:
        gateway.child.process.send_signal(signal.SIGUSR1)
        await asyncio.sleep(0.2)

    async def stop() -> None:
        gateway.child.process.send_signal(signal.SIGUSR2)

    try:
        run, before, after = await _under_load(
            ctx, gateway, which, requests, start, stop, tag="pyinstrument"
        )
        html = await wait_for_file(base.with_suffix(".html"))
    finally:
        gateway.child.stop()
    main = after["main"] - before["main"]
    other = after["other"] - before["other"]
    share = 100 * main / (main + other) if main + other else None
    s = run.latency()
    return [
        f"{which.capitalize()} at c={CONCURRENCY}, {len(run.ok)} requests ({run.errors} errors), "
        f"under pyinstrument (sampling every 1 ms; the profiler slows the gateway, so these "
        f"latencies are not comparable): p50 {fmt(s.p50)} ms, {fmt(run.throughput)} requests/s.",
        "",
        f"- Profile: `{html.relative_to(PROFILE_DIR.parent.parent) if html else 'not written'}` "
        f"(HTML) and `{base.with_suffix('.txt').name}` (text), under `bench/profiles/`.",
        f"- Gateway CPU during the profile: main thread {fmt(main, 2)} s, other threads "
        f"{fmt(other, 2)} s — the main thread (what pyinstrument samples) is "
        f"{fmt(share, 0)}% of it.",
        *summary_block(base.with_suffix(".pyisession")),
    ]


async def _cpu_profile(
    ctx: Context, infra: Infra, requests: int, log_dir: Path, which: str, base: Path
) -> list[str]:
    ctx.stub.configure(StubSettings())
    gateway = start_gateway(infra, ctx.stub.url, log_dir, name="daphne-py-spy")
    folded = base.with_name(f"{base.name}-cpu.folded")
    recording = Recording(gateway.child.pid, folded)
    try:
        run, before, after = await _under_load(
            ctx, gateway, which, requests, recording.start, recording.stop, tag="py-spy"
        )
    finally:
        await recording.stop()
        gateway.child.stop()
    heading = (
        f"{which.capitalize()} at c={CONCURRENCY}, {len(run.ok)} requests ({run.errors} "
        f"errors), under py-spy (CPU: samples of the thread holding the GIL, in any thread; "
        f"the process is not paused, so it runs at its usual speed): "
        f"{fmt(run.throughput)} requests/s, "
    )
    cpu = (after["main"] + after["other"] - before["main"] - before["other"]) * 1000
    heading += f"{fmt(cpu / len(run.ok) if run.ok else None)} ms of CPU per request."
    if recording.error or not folded.exists():
        return [heading, "", f"- No CPU profile: {recording.error or 'not written'}."]
    summary = summarize_folded(parse_folded(folded.read_text()))
    text = base.with_name(f"{base.name}-cpu.txt")
    text.write_text(summary)
    return [
        heading,
        "",
        f"- Profile: `{text.name}` (summary) and `{folded.name}` (py-spy's folded stacks, for "
        "flamegraph.pl or speedscope), under `bench/profiles/`.",
        "",
        "```",
        summary.rstrip(),
        "```",
    ]


def summary_block(session_path: Path) -> list[str]:
    """The profile's summary (packages, then functions by total and by self time)."""
    try:
        session = Session.load(str(session_path))
    except (OSError, ValueError):
        return []
    return ["", "```", summarize(session, top=20, packages=15).rstrip(), "```"]


async def wait_for_file(path: Path) -> Path | None:
    deadline = time.monotonic() + WRITE_TIMEOUT
    while time.monotonic() < deadline:
        if path.exists():  # noqa: ASYNC240 - a stat per 0.2 s, nothing else runs meanwhile
            return path
        await asyncio.sleep(0.2)
    return None
