"""Off the hot path: routing counts for Prometheus and the LLM classifier's decisions.

Each routing is written by a background task (one Redis round trip the chat does not wait
for). The classifier's decisions are buffered in a capped Redis list and moved into
`RouterDecision` rows in batches (`decisions_flush`) when an operator opens them in the
admin or `train_router` runs, so no chat pays for a database write.
"""

from __future__ import annotations

import json
import logging

from core.redis_client import REDIS_DOWN_ERRORS, sync_redis
from metrics import store
from routing.agent.router.model import Prediction

logger = logging.getLogger(__name__)

DECISIONS_KEY = "router:decisions"
DECISIONS_KEPT = 10_000  # the buffer keeps the newest; an unread backlog cannot grow Redis
FLUSH_BATCH = 500


def routing_record(*, router: str, intent: str, decision: dict | None = None) -> None:
    """Count the routing (and buffer the classifier's decision) without a round trip: the
    commands go with the request's next metrics write (`metrics.store.defer`)."""
    store.defer(lambda pipe: pipe.hincrby(store.ROUTING, store.field(router, intent), 1))
    if decision is not None:
        payload = json.dumps(decision, ensure_ascii=False)

        def push(pipe) -> None:
            pipe.rpush(DECISIONS_KEY, payload)
            pipe.ltrim(DECISIONS_KEY, -DECISIONS_KEPT, -1)

        store.defer(push)  # Redis down loses this sample only


async def drain() -> None:
    """Write what was recorded now (tests, and readers that need it at once)."""
    await store.aflush()


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
