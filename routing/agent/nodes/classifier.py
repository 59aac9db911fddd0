"""Classifier: routes the query; the small model labels intent and complexity with
Ollama's structured output when the pre-router is not sure.

On a query's first pass the pre-router guesses first (`nodes/pre_router.py`, a tenth of a
millisecond, no network) and decides alone when confident (`router: "fast"`). One node for
both, not two: each LangGraph step costs about 0.4 ms of CPU whether or not it calls a
model. The output guard's retries come back here and go to the LLM.

The raw reply is parsed tolerantly (fences, prose, case); when nothing usable comes back the
pre-router's guess decides, with low confidence so the fallback is visible downstream
(`router: "heuristic"`). Each usable first decision is recorded for review and retraining
(`routing.agent.router.recording`, off the hot path).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from langchain_core.messages import HumanMessage, SystemMessage

from routing.agent.intent_schema import (
    Classification,
    helper_model,
    model_for,
    parse_classification,
)
from routing.agent.nodes.pre_router import pre_router
from routing.agent.prompts import CLASSIFIER_SYSTEM
from routing.agent.router.model import Prediction, get_model
from routing.agent.router.recording import decision_payload, routing_record
from routing.agent.state import AgentState
from routing.ollama import chat_models as llm

# Earlier turns help with follow-ups ("and tomorrow?"); the last two turns suffice.
HISTORY_MESSAGES = 4
HEURISTIC_CONFIDENCE = 0.3  # the fallback never claims more than this


def heuristic(query: str, guess: Prediction | None = None) -> dict[str, Any]:
    """The pre-router's prediction as a fallback classification, confidence at most 0.3."""
    guess = guess or get_model().predict(query)
    return {
        "intent": guess.intent,
        "confidence": min(HEURISTIC_CONFIDENCE, guess.confidence),
        "complexity": guess.complexity,
    }


def word_complexity(query: str) -> str:
    """The seed's legacy rule: long questions (COMPLEXITY_THRESHOLD words) are complex."""
    return "complex" if len(query.split()) >= settings.COMPLEXITY_THRESHOLD else "simple"


def _guess(state: AgentState) -> Prediction | None:
    known = state.get("pre_route")
    return Prediction(**known) if known else None


async def classifier(state: AgentState) -> dict[str, Any]:
    """Graph node: set intent, confidence, complexity, the answering model and `router`
    (the pre-router's alone on a confident first pass), and the pre-router's guess."""
    if "pre_route" in state:  # a retry, or a guess made before this node
        return await _llm_classification(state)
    guess = pre_router(state)
    if guess.get("router") == "fast":
        return guess
    return {**guess, **await _llm_classification({**state, **guess})}


async def _llm_classification(state: AgentState) -> dict[str, Any]:
    query = state["query"]
    model = helper_model("classifier")
    messages = [
        SystemMessage(CLASSIFIER_SYSTEM),
        *state.get("history", [])[-HISTORY_MESSAGES:],
        HumanMessage(query),
    ]
    reply = await llm.call(llm.structured_model(model, Classification), messages, model=model)
    parsed = parse_classification(llm.text_of(reply))
    guess = _guess(state)
    if parsed is not None:
        router = "llm"
        complexity = parsed["complexity"] or word_complexity(query)
        decision = decision_payload(
            query=query, parsed=parsed, complexity=complexity, model=model, guess=guess
        )
    else:
        router, decision = "heuristic", None
        parsed = heuristic(query, guess)
        complexity = parsed["complexity"]
    if not state.get("retry_count"):  # count each chat once, not its retries
        routing_record(router=router, intent=parsed["intent"], decision=decision)
    return {
        "router": router,
        "intent": parsed["intent"],
        "confidence": parsed["confidence"],
        "complexity": complexity,
        "model": model_for(parsed["intent"], complexity),
        **llm.usage(reply),
    }
