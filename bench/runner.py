"""Runs the scenarios against one system under test (one Daphne, or two behind nginx).

A scenario that fails is reported with its error and the others still run; scenarios that
need the chat API are skipped with the reason when the API does not answer yet.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from types import ModuleType

import httpx

from bench.scenarios import ALL
from bench.scenarios.base import Context, ScenarioResult
from bench.stub import StubSettings

NEEDS_CHAT = {"chat", "slow", "streaming", "cache", "memory", "routing"}


@dataclass
class SystemRun:
    """The results of every scenario against one system under test."""

    label: str
    processes: int
    results: dict[str, ScenarioResult] = field(default_factory=dict)
    seconds: float = 0.0


def probe_chat(ctx: Context) -> str | None:
    """Why chat scenarios cannot run (None when a general chat answers 200)."""
    ctx.stub.configure(StubSettings())  # a previous run may have left a slow stub
    try:
        response = httpx.post(
            f"{ctx.gateway_url}/api/chat/",
            json={"query": f"Bench {ctx.run_tag} probe: hello"},
            headers=ctx.key_headers(),
            timeout=60,
        )
    except httpx.HTTPError as exc:
        return f"POST /api/chat/ failed: {type(exc).__name__}: {exc}"
    if response.status_code != 200:
        return f"POST /api/chat/ answered HTTP {response.status_code}: {response.text[:200]}"
    return None


async def run_scenarios(ctx: Context, label: str, only: set[str] | None, *, log=print) -> SystemRun:
    run = SystemRun(label, len(ctx.gateways))
    began = time.perf_counter()
    chat_problem = probe_chat(ctx)
    if chat_problem:
        log(f"[{label}] chat scenarios skipped: {chat_problem}")
    for module in ALL:
        if only and module.KEY not in only:
            continue
        if module.KEY in NEEDS_CHAT and chat_problem:
            run.results[module.KEY] = skipped(module, f"chat API not available: {chat_problem}")
            continue
        ctx.infra.flush_redis()  # no cache, quota or metrics carried between scenarios
        log(f"[{label}] {module.TITLE} ...")
        started = time.perf_counter()
        try:
            result = await module.run(ctx)
        except Exception as exc:  # one broken scenario must not lose the others' numbers
            (ctx.log_dir / f"{module.KEY}-error.txt").write_text(traceback.format_exc())
            result = skipped(module, f"failed: {type(exc).__name__}: {exc}")
        log(f"[{label}] {module.TITLE}: {time.perf_counter() - started:.1f} s")
        run.results[module.KEY] = result
    run.seconds = time.perf_counter() - began
    return run


def skipped(module: ModuleType, reason: str) -> ScenarioResult:
    return ScenarioResult(module.KEY, module.TITLE, "", skipped=reason)
