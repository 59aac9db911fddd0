"""Compute-time metering from Ollama's own timings (issue 14).

Ollama's final chunk carries `load_duration`, `prompt_eval_duration` and `eval_duration`
(nanoseconds); their sum is the compute a call cost. Each call's figures go to Prometheus
(per model and backend), and they add up in the request's `ComputeMeter` so the turn can
store the total on its ledger row:

    with compute_meter() as meter:
        result = await run_agent(...)
    record.compute_seconds = meter.seconds
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import AIMessage

NS = 1_000_000_000
# A final chunk's timings (nanoseconds), summed per key over a turn's calls (`durations_of`).
DURATION_KEYS = ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")


@dataclass(frozen=True)
class CallTimings:
    """One call's figures: compute from Ollama's durations, TTFT as the gateway saw it."""

    compute_seconds: float
    ttft_seconds: float
    tokens_per_second: float | None  # None when Ollama reported no eval time


def timings_of(message: AIMessage, *, ttft_seconds: float | None) -> CallTimings:
    """The figures of a finished call; without a streamed token, TTFT is Ollama's own
    load + prompt-eval time (what a client of a non-streamed call waits before generation)."""
    meta = message.response_metadata or {}

    def seconds(key: str) -> float:
        value = meta.get(key)
        return value / NS if isinstance(value, int | float) and value > 0 else 0.0

    load, prompt, evaluation = (
        seconds(k) for k in ("load_duration", "prompt_eval_duration", "eval_duration")
    )
    eval_count = meta.get("eval_count") or 0
    return CallTimings(
        compute_seconds=load + prompt + evaluation,
        ttft_seconds=ttft_seconds if ttft_seconds is not None else load + prompt,
        tokens_per_second=eval_count / evaluation if evaluation > 0 and eval_count else None,
    )


def durations_of(message: AIMessage) -> dict[str, int]:
    """The call's Ollama timings (ns) by key; a key Ollama did not report is left out."""
    meta = message.response_metadata or {}
    return {
        key: int(value)
        for key in DURATION_KEYS
        if isinstance(value := meta.get(key), int | float) and value > 0
    }


def add_durations(left: dict[str, int] | None, right: dict[str, int] | None) -> dict[str, int]:
    """Per-key sums of two sets of timings (the agent state's reducer)."""
    total = dict(left or {})
    for key, value in (right or {}).items():
        total[key] = total.get(key, 0) + value
    return total


class ComputeMeter:
    """Compute seconds of every LLM call made while it is the current meter."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def add(self, seconds: float) -> None:
        self.seconds += seconds
        self.calls += 1


_meter: contextvars.ContextVar[ComputeMeter | None] = contextvars.ContextVar(
    "compute_meter", default=None
)


@contextmanager
def compute_meter() -> Iterator[ComputeMeter]:
    """Meter the LLM calls made inside the block (tasks it starts copy the same meter)."""
    meter = ComputeMeter()
    token = _meter.set(meter)
    try:
        yield meter
    finally:
        _meter.reset(token)


def meter_add(seconds: float) -> None:
    """Add a call's compute seconds to the current request's meter, if any."""
    meter = _meter.get()
    if meter is not None:
        meter.add(seconds)


class FirstTokenTracker(AsyncCallbackHandler):
    """Notes when the first streamed chunk of one call arrived (a callback of that call)."""

    run_inline = True  # a timestamp: no need for a task per token

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first_token_at: float | None = None

    @property
    def got_token(self) -> bool:
        return self.first_token_at is not None

    @property
    def ttft_seconds(self) -> float | None:
        return None if self.first_token_at is None else self.first_token_at - self.started

    async def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
