"""What one chat request cost, written by the app that owns the numbers.

The durable record is the `UsageRecord` row (`ledger_write`, called inside the chat
turn's closing transaction so the answer and its row commit together). The fast views —
the seed's `log:{user_id}:*` counters (SPEC section 9), the LLM and cache metrics — go to
Redis in one pipeline (`usage_publish`), together with whatever else the caller adds (the
response cache store); for a JSON answer that pipeline is the request's own metrics write
(metrics/middleware.py), so a finished chat costs one round trip after the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.async_db import ainsert_instance
from core.request_context import current_request_id
from core.rows import Statement, insert_instance, insert_statement
from metrics import recorders, store
from metrics.models import Api, Outcome, UsageRecord
from metrics.usage_keys import usage_key

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
    api: str = Api.NATIVE
    router: str = ""
    compute_seconds: float = 0.0
    # Time spent waiting on the model (for the LLM latency histogram).
    llm_ms: int = 0
    # Whether the response cache was consulted (None: not, e.g. a request with history).
    cache_hit: bool | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def ledger_row(self) -> UsageRecord:
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
            api=self.api,
            router=self.router,
            compute_seconds=max(0.0, self.compute_seconds),
        )

    def history_item(self) -> str:
        return json.dumps(
            {
                "timestamp": datetime.now(UTC).isoformat(),
                "request_id": current_request_id(),
                "conversation_id": str(self.conversation_id) if self.conversation_id else None,
                "api": self.api,
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


def ledger_write(entry: UsageEntry) -> UsageRecord:
    """Insert the entry's ledger row (sync: runs inside the caller's transaction)."""
    row = entry.ledger_row()
    insert_instance(row)  # every request writes one: an INSERT built once (core/rows.py)
    return row


def ledger_statement(entry: UsageEntry) -> Statement:
    """The INSERT of the entry's ledger row, for a caller that stores it together with other
    rows in one statement (a chat turn's close: routing/chat/persistence.py)."""
    return insert_statement(entry.ledger_row())


async def ledger_awrite(entry: UsageEntry) -> UsageRecord:
    """Insert the entry's ledger row as its own transaction, on the event loop (a stateless
    turn's one statement: core/async_db.py)."""
    row = entry.ledger_row()
    await ainsert_instance(row)
    return row


def usage_fill(entry: UsageEntry) -> store.Fill:
    """The Redis side of one request: usage counters, then LLM, cache and guard metrics."""
    llm = None
    if not entry.cached and entry.model and entry.total_tokens:
        llm = recorders.llm_usage_fill(
            entry.model, entry.intent, entry.prompt_tokens, entry.completion_tokens, entry.llm_ms
        )

    def fill(pipe) -> None:
        history = usage_key(entry.user_id, "history")
        pipe.incrby(usage_key(entry.user_id, "total_tokens"), entry.total_tokens)
        pipe.incr(usage_key(entry.user_id, "request_count"))
        pipe.lpush(history, entry.history_item())
        pipe.ltrim(history, 0, HISTORY_LENGTH - 1)
        if llm is not None:
            llm(pipe)
        if entry.cache_hit is not None:
            recorders.cache_fill(entry.cache_hit)(pipe)
        if entry.outcome == Outcome.BLOCKED:
            recorders.guard_block_fill()(pipe)

    return fill


async def usage_publish(entry: UsageEntry, *extra: store.Fill) -> None:
    """Write `usage_fill(entry)` and `extra` in one round trip, the request's closing
    metrics write when it is still to come (store.awrite_data); never raises.

    With Redis down only these fast views are lost: the ledger row is already committed.
    """

    def fill(pipe) -> None:
        usage_fill(entry)(pipe)
        for more in extra:
            more(pipe)

    await store.awrite_data(fill)
