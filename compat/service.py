"""The stateless turn /v1 and /ollama run: quota → engine (input guard first) → ledger → metrics.

No conversation is written and no response cache is used (SPEC section 13: the client
sends the history). The ledger row is committed before the final chunk is handed on, so a
client that asks for its usage right after the answer sees it; a failure before any
answer and a client leaving mid-answer are recorded too, shielded from cancellation.

This is the adapters' side of the one chat turn; each adapter reaches it through a single
function (`compat/openai/views.py`, `compat/ollama/views.py`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from asgiref.sync import sync_to_async

from accounts.quota import QuotaStatus, quota_consume
from compat.engine import Chunk, Engine, Usage
from core.timing import RequestTiming, current_timing, timed, timing_start
from metrics.models import UsageRecord
from routing.chat.shielded import run_shielded
from routing.chat.usage import UsageEntry, usage_counters_push, usage_metrics_record
from routing.ollama.errors import OllamaError, OllamaUnreachable

OUTCOME_ERROR = "error"


@dataclass
class StatelessTurn:
    """One /v1 or /ollama request that reaches a model, from quota to ledger."""

    user: Any
    api_key: Any
    api: str  # "openai" | "ollama"
    quota: QuotaStatus | None = None
    timing: RequestTiming = field(default_factory=lambda: current_timing() or timing_start())

    async def admit(self) -> None:
        """Count one request against the user's minute (429 `QuotaExceeded` when spent)."""
        self.quota = await quota_consume(user=self.user)

    async def answer(self, engine: Engine) -> AsyncIterator[Chunk]:
        """The engine's chunks, with the first one already fetched: a failure before any
        answer (unknown model, Ollama down) is raised here, while a status can be sent."""
        chunks = self._run(engine)
        try:
            first = await anext(chunks)
        except StopAsyncIteration:
            raise OllamaUnreachable("the model sent no answer") from None
        return _prepend(first, chunks)

    async def _run(self, engine: Engine) -> AsyncIterator[Chunk]:
        started = time.perf_counter()
        final: Chunk | None = None
        pieces = 0
        try:
            async for chunk in engine.chunks():
                if chunk.done:
                    final = chunk
                    self.timing.add("llm", time.perf_counter() - started)
                    await run_shielded(self.record(engine.usage(chunk)))
                else:
                    pieces += 1
                yield chunk
        except OllamaError:
            await run_shielded(self.record(engine.usage(None), outcome=OUTCOME_ERROR))
            raise
        except (asyncio.CancelledError, GeneratorExit):
            if final is None:
                # The client left mid-answer: Ollama streams one token per chunk, so the
                # chunk count stands in for the completion tokens it never reported.
                usage = replace(engine.usage(None), completion_tokens=pieces)
                await run_shielded(self.record(usage))
            raise
        if final is None:
            await run_shielded(self.record(engine.usage(None), outcome=OUTCOME_ERROR))
            raise OllamaUnreachable("the model's answer ended without its final chunk")

    async def record(self, usage: Usage, *, outcome: str | None = None) -> None:
        """The ledger row (committed), then the Redis counters and metrics."""
        entry = UsageEntry(
            user_id=self.user.pk,
            api_key_id=getattr(self.api_key, "pk", None),
            conversation_id=None,
            intent=usage.intent,
            model=usage.model[:100],
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cached=False,
            outcome=outcome or usage.outcome,
            latency_ms=self.timing.elapsed_ms(),
        )
        row = entry.ledger_row()
        row.api = self.api
        row.compute_seconds = usage.compute_seconds
        with timed("db"):
            await sync_to_async(_save)(row)
        await usage_counters_push(entry)
        await usage_metrics_record(entry, llm_ms=round(self.timing.spent["llm"] * 1000))


def _save(row: UsageRecord) -> None:
    row.save(force_insert=True)


async def _prepend(first: Chunk, rest: AsyncIterator[Chunk]) -> AsyncIterator[Chunk]:
    try:
        yield first
        async for chunk in rest:
            yield chunk
    finally:
        await rest.aclose()


async def turn_embed(turn: StatelessTurn, body: dict[str, Any], *, path: str) -> dict[str, Any]:
    """An embedding call (`/api/embed` or the older `/api/embeddings`), on the ledger."""
    from routing.ollama import passthrough

    model = str(body.get("model") or "")
    started = time.perf_counter()
    try:
        data = await passthrough.request_json("POST", path, body)
    except OllamaError:
        await run_shielded(turn.record(Usage(model=model), outcome=OUTCOME_ERROR))
        raise
    turn.timing.add("llm", time.perf_counter() - started)
    data = data if isinstance(data, dict) else {}
    usage = Usage(
        model=model,
        prompt_tokens=int(data.get("prompt_eval_count") or 0),
        # An embedding has no eval phase: Ollama's total is the compute.
        compute_seconds=int(data.get("total_duration") or 0) / 1e9,
    )
    await run_shielded(turn.record(usage))
    return data
