"""Off the hot path: routing counts for Prometheus and the LLM classifier's decisions.

Each routing is written by a background task (one Redis round trip the chat does not wait
for). The classifier's decisions are buffered in a capped Redis list and moved into
`RouterDecision` rows in batches (`decisions_flush`) when an operator opens them in the
admin or `train_router` runs, so no chat pays for a database write.
"""

from __future__ import annotations

import asyncio
import json
import logging

from core.redis_client import REDIS_DOWN_ERRORS, sync_redis
from metrics import recorders, store
from routing.agent.router.model import Prediction

logger = logging.getLogger(__name__)

DECISIONS_KEY = "router:decisions"
DECISIONS_KEPT = 10_000  # the buffer keeps the newest; an unread backlog cannot grow Redis
FLUSH_BATCH = 500

_pending: set[asyncio.Task] = set()


def routing_record(*, router: str, intent: str, decision: dict | None = None) -> None:
    """Count the routing (and buffer the classifier's decision) without waiting for Redis."""
    task = asyncio.get_running_loop().create_task(_write(router, intent, decision))
    _pending.add(task)  # a strong reference until it is done (the loop keeps weak ones)
    task.add_done_callback(_pending.discard)


async def drain() -> None:
    """Wait for the writes in flight (tests, shutdown)."""
    while _pending:
        await asyncio.gather(*list(_pending), return_exceptions=True)


def decision_payload(
    *, query: str, parsed: dict, complexity: str, model: str, guess: Prediction | None
) -> dict:
    """The buffered form of one classifier decision (fields of RouterDecision)."""
    return {
        "query": query,
        "intent": parsed["intent"],
        "complexity": complexity,
        "confidence": float(parsed["confidence"]),
        "classifier_model": model,
        "fast_intent": guess.intent if guess else "",
        "fast_confidence": guess.confidence if guess else None,
    }


async def _write(router: str, intent: str, decision: dict | None) -> None:
    await recorders.record_routing(router, intent)
    if decision is not None:

        def push(pipe) -> None:
            pipe.rpush(DECISIONS_KEY, json.dumps(decision, ensure_ascii=False))
            pipe.ltrim(DECISIONS_KEY, -DECISIONS_KEPT, -1)

        await store.awrite(push)  # never raises: Redis down loses this sample only


def decisions_flush() -> int:
    """Move the buffered decisions into RouterDecision rows; how many were stored."""
    from routing.models import RouterDecision

    stored = 0
    try:
        client = sync_redis()
        while batch := client.lpop(DECISIONS_KEY, FLUSH_BATCH):
            rows = [RouterDecision(**json.loads(item)) for item in batch]
            RouterDecision.objects.bulk_create(rows)
            stored += len(rows)
    except REDIS_DOWN_ERRORS as exc:
        logger.warning("router decisions not flushed, Redis unavailable: %s", exc)
    return stored
