"""The classifier's decisions are buffered in Redis off the hot path, then stored for review;
each chat's routing is counted for Prometheus."""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync

from core.redis_client import sync_redis
from metrics import store
from routing.agent.nodes.classifier import classifier
from routing.agent.nodes.pre_router import pre_router
from routing.agent.router.model import get_model
from routing.agent.router.recording import (
    DECISIONS_KEY,
    decisions_flush,
    drain,
)
from routing.models import RouterDecision
from routing.tests.agent.helpers import classification

UNCLEAR = "hmm, ok so what about it"


def routing_counts() -> dict[str, int]:
    raw = store.decode_hash(sync_redis().hgetall(store.ROUTING))
    return {name: int(value) for name, value in raw.items()}


def buffered() -> list[dict]:
    return [json.loads(item) for item in sync_redis().lrange(DECISIONS_KEY, 0, -1)]


async def routed(query: str) -> dict:
    state = {"query": query, "history": [], "retry_count": 0}
    state.update(pre_router(state))
    if state.get("router") != "fast":
        state.update(await classifier(state))
    await drain()
    return state


async def test_an_llm_decision_is_buffered_with_the_pre_routers_guess(script, fast_routing):
    script.add(classification("analysis", "complex", 0.85), structured=True)
    state = await routed(UNCLEAR)
    guess = get_model().predict(UNCLEAR)
    assert state["router"] == "llm"
    assert buffered() == [
        {
            "query": UNCLEAR,
            "intent": "analysis",
            "complexity": "complex",
            "confidence": 0.85,
            "classifier_model": script.calls[0].model,
            "fast_intent": guess.intent,
            "fast_confidence": guess.confidence,
        }
    ]
    assert routing_counts() == {store.field("llm", "analysis"): 1}


async def test_a_fast_decision_is_counted_but_not_buffered(script, fast_routing):
    await routed("What is a neutron star?")
    assert buffered() == []
    assert routing_counts() == {store.field("fast", "general"): 1}
    assert script.calls == []


async def test_a_heuristic_fallback_is_counted_but_not_buffered(script, fast_routing):
    script.add("no idea", structured=True)
    state = await routed(UNCLEAR)
    assert state["router"] == "heuristic"
    assert buffered() == []
    assert routing_counts() == {store.field("heuristic", state["intent"]): 1}


async def test_a_retry_is_not_counted_twice(script, fast_routing):
    script.add(classification("general"), structured=True)
    await classifier({"query": UNCLEAR, "history": [], "retry_count": 1})
    await drain()
    assert routing_counts() == {}
    assert buffered() == []


def test_the_flush_moves_the_buffer_into_reviewable_rows(db, script, fast_routing):
    for intent in ("analysis", "search"):
        script.add(classification(intent), structured=True, times=1)
        async_to_sync(routed)(f"{UNCLEAR} ({intent})")
    assert decisions_flush() == 2
    assert buffered() == []
    rows = RouterDecision.objects.order_by("intent")
    assert [(r.intent, r.reviewed, r.corrected_intent) for r in rows] == [
        ("analysis", False, ""),
        ("search", False, ""),
    ]
    assert decisions_flush() == 0


def test_the_flush_survives_redis_being_down(db, monkeypatch):
    import redis

    from llmgateway.tests.live import free_port

    down = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr("routing.agent.router.recording.sync_redis", lambda: down)
    assert decisions_flush() == 0
