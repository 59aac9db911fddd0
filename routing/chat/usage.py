"""Usage accounting for one chat request: Redis counters, the ledger row, metrics.

Redis keeps the seed's fast views (SPEC section 9): `log:{user_id}:total_tokens` (INCRBY),
`log:{user_id}:request_count` (INCR) and `log:{user_id}:history` (LPUSH + LTRIM to 100),
written in one pipeline. The durable record is the `UsageRecord` row, saved by
`persistence.turn_close` in the same thread hop as the assistant message.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.redis_client import REDIS_DOWN_ERRORS, async_redis
from core.request_context import current_request_id
from core.timing import timed
from metrics import recorders
from metrics.models import UsageRecord
from metrics.usage_keys import usage_key
from routing.chat.answer import OUTCOME_BLOCKED

logger = logging.getLogger(__name__)

HISTORY_LENGTH = 100


@dataclass(frozen=True)
class UsageEntry:
    """What one chat request cost and how it ended."""

    user_id: Any
    api_key_id: Any
    conversation_id: Any
    intent: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached: bool
    outcome: str
    latency_ms: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def ledger_row(self) -> UsageRecord:
        """The unsaved `UsageRecord`; `persistence.turn_close` saves it."""
        return UsageRecord(
            user_id=self.user_id,
            api_key_id=self.api_key_id,
            conversation_id=self.conversation_id,
            intent=self.intent,
            model=self.model,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            total_tokens=self.total_tokens,
            cached=self.cached,
            outcome=self.outcome,
            latency_ms=max(0, self.latency_ms),
        )

    def history_item(self) -> str:
        return json.dumps(
            {
                "timestamp": datetime.now(UTC).isoformat(),
                "request_id": current_request_id(),
                "conversation_id": str(self.conversation_id) if self.conversation_id else None,
                "intent": self.intent,
                "model": self.model,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens,
                "cached": self.cached,
                "outcome": self.outcome,
                "latency_ms": self.latency_ms,
            }
        )


async def usage_counters_push(entry: UsageEntry) -> None:
    """The Redis counters, in one pipeline; Redis down loses only these (the row stays)."""
    try:
        with timed("redis"):
            async with async_redis().pipeline(transaction=False) as pipe:
                history = usage_key(entry.user_id, "history")
                pipe.incrby(usage_key(entry.user_id, "total_tokens"), entry.total_tokens)
                pipe.incr(usage_key(entry.user_id, "request_count"))
                pipe.lpush(history, entry.history_item())
                pipe.ltrim(history, 0, HISTORY_LENGTH - 1)
                await pipe.execute()
    except REDIS_DOWN_ERRORS as exc:
        logger.warning("usage counters not updated, Redis unavailable: %s", exc)
        await recorders.record_redis_fallback("usage_counters_skipped")


async def usage_metrics_record(entry: UsageEntry, *, llm_ms: int) -> None:
    """Prometheus-facing counters; the recorders never raise."""
    if entry.outcome == OUTCOME_BLOCKED:
        await recorders.record_guard_block()
    if not entry.cached and entry.model and entry.total_tokens:
        await recorders.record_llm_usage(
            entry.model, entry.intent, entry.prompt_tokens, entry.completion_tokens, llm_ms
        )
