"""Pre-router: a local classifier routes the clear queries without the LLM classifier.

The first step of the classifier node (`nodes/classifier.py`). About a tenth of a
millisecond of CPU, no network. When its calibrated confidence reaches the threshold (and
ROUTER_ENABLED), it sets the routing itself (`router: "fast"`) and the graph goes straight
to the agent; otherwise it only leaves its guess in the state (`pre_route`, used by the
classifier's heuristic fallback) and the LLM classifier decides.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from routing.agent.intent_schema import model_for
from routing.agent.router.model import decision_threshold, get_model
from routing.agent.router.recording import routing_record
from routing.agent.state import AgentState


def pre_router(state: AgentState) -> dict[str, Any]:
    """Predict intent and complexity; decide alone when confident enough (a state update)."""
    model = get_model()
    guess = model.predict(state["query"])
    update: dict[str, Any] = {"pre_route": guess.as_dict()}
    if settings.ROUTER_ENABLED and guess.confidence >= decision_threshold(model):
        update.update(
            intent=guess.intent,
            confidence=guess.confidence,
            complexity=guess.complexity,
            model=model_for(guess.intent, guess.complexity),
            router="fast",
        )
        routing_record(router="fast", intent=guess.intent)
    return update
