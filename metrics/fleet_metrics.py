"""Metrics of the Ollama fleet: calls and queue wait per backend, TTFT, tokens/s and compute
seconds per model and backend (Redis-held, so every process reports the same totals).

`record_call` is best effort like every recorder: it never raises, and it costs no round
trip of its own (the commands go with the request's next metrics write).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metrics import store

if TYPE_CHECKING:
    from routing.ollama.metering import CallTimings

FLEET_CALLS = f"{store.PREFIX}fleet:calls"  # hash: backend, outcome -> n
FLEET_QUEUE_WAIT = f"{store.PREFIX}fleet:queue_wait"  # histogram: backend
LLM_COMPUTE = f"{store.PREFIX}llm:compute_seconds"  # hash: model, backend -> seconds
LLM_TTFT = f"{store.PREFIX}llm:ttft"  # histogram: model, backend
LLM_TOKENS_PER_SECOND = f"{store.PREFIX}llm:tokens_per_second"  # histogram: model, backend

OUTCOMES = ("ok", "failure", "missing", "error")
QUEUE_BUCKETS = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
TTFT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
TPS_BUCKETS = (1.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0, 1280.0)


async def record_call(
    backend: str,
    outcome: str,
    *,
    waited: float,
    model: str | None = None,
    timings: CallTimings | None = None,
) -> None:
    """One call on `backend`: its outcome, its queue wait, and (when it answered) its timings."""

    def fill(pipe) -> None:
        pipe.hincrby(FLEET_CALLS, store.field(backend, outcome), 1)
        store.observe(pipe, FLEET_QUEUE_WAIT, (backend,), max(0.0, waited), QUEUE_BUCKETS)
        if timings is None or model is None:
            return
        labels = (model, backend)
        pipe.hincrbyfloat(LLM_COMPUTE, store.field(*labels), timings.compute_seconds)
        if timings.ttft_seconds is not None:
            store.observe(pipe, LLM_TTFT, labels, timings.ttft_seconds, TTFT_BUCKETS)
        if timings.tokens_per_second is not None:
            store.observe(
                pipe, LLM_TOKENS_PER_SECOND, labels, timings.tokens_per_second, TPS_BUCKETS
            )

    store.defer(fill)
