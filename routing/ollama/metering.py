"""Compute-time metering from Ollama's own timings (issue 14).

Ollama's final chunk carries `load_duration`, `prompt_eval_duration` and `eval_duration`
(nanoseconds); their sum is the compute a call cost (an embedding reports only its
`total_duration`, which is then its compute). Each call's figures go to Prometheus
(per model and backend), and they add up in the request's `ComputeMeter` so the turn can
store the total on its ledger row:

    with compute_meter() as meter:
        result = await run_agent(...)
    record.compute_seconds = meter.seconds
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator, Mapping
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
    ttft_seconds: float | None  # None for a call with no generation (an embedding)
    tokens_per_second: float | None  # None when Ollama reported no eval time


DURATIONS = ("load_duration", "prompt_eval_duration", "eval_duration")


def _seconds(meta: Mapping[str, Any], key: str) -> float:
    value = meta.get(key)
    return value / NS if isinstance(value, int | float) and value > 0 else 0.0


def compute_seconds_of(meta: Mapping[str, Any]) -> float:
    """The compute an Ollama answer (a final chunk, or a whole JSON reply) reports: load +
    prompt-eval + eval; an embedding, which reports no eval phases, is its total."""
    load, prompt, evaluation = (_seconds(meta, key) for key in DURATIONS)
    if not prompt and not evaluation and _seconds(meta, "total_duration"):
        return _seconds(meta, "total_duration")
    return load + prompt + evaluation


def timings_from(meta: Mapping[str, Any], *, ttft_seconds: float | None) -> CallTimings | None:
    """The figures of a finished call from Ollama's answer; None when it reports no
    durations at all (/api/show). Without a streamed token, TTFT is Ollama's own load +
    prompt-eval time (what a client of a non-streamed call waits before generation)."""
    if not any(_seconds(meta, key) for key in (*DURATIONS, "total_duration")):
        return None
    load, prompt, evaluation = (_seconds(meta, key) for key in DURATIONS)
    eval_count = meta.get("eval_count") or 0
    if ttft_seconds is None and evaluation:
        ttft_seconds = load + prompt
    return CallTimings(
        compute_seconds=compute_seconds_of(meta),
        ttft_seconds=ttft_seconds,
        tokens_per_second=eval_count / evaluation if evaluation > 0 and eval_count else None,
    )


def timings_of(message: AIMessage, *, ttft_seconds: float | None) -> CallTimings:
    """The figures of a finished agent call (zeros when Ollama reported no durations)."""
    timings = timings_from(message.response_metadata or {}, ttft_seconds=ttft_seconds)
    return timings or CallTimings(0.0, ttft_seconds, None)


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

    def token_arrived(self) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()

    async def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        self.token_arrived()
