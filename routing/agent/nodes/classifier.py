"""Classifier: the small model labels intent and complexity with Ollama's structured output.

The raw reply is parsed tolerantly (fences, prose, case); when nothing usable comes back
a keyword heuristic decides, with low confidence so the fallback is visible downstream.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from langchain_core.messages import HumanMessage, SystemMessage

from routing.agent.intent_schema import (
    Classification,
    helper_model,
    model_for,
    parse_classification,
)
from routing.agent.prompts import CLASSIFIER_SYSTEM
from routing.agent.state import AgentState
from routing.ollama import chat_models as llm

# Earlier turns help with follow-ups ("and tomorrow?"); the last two turns suffice.
HISTORY_MESSAGES = 4
HEURISTIC_CONFIDENCE = 0.3  # a keyword matched
DEFAULT_CONFIDENCE = 0.1  # nothing matched: general by default

_KEYWORDS = {
    "search": re.compile(
        r"\b(?:latest|news|today|current(?:ly)?|recent(?:ly)?|this week|price of|weather|"
        r"who won|score|search|look up|stock)\b|최신|뉴스|오늘|현재|요즘|최근|날씨|검색|주가|시세"
    ),
    "analysis": re.compile(
        r"\b(?:analy[sz]e|analysis|compare|comparison|pros and cons|trade-?offs?|versus|vs\.?|"
        r"evaluate|why does|impact of|differences? between)\b|분석|비교|장단점|차이점|영향|평가"
    ),
    "creative": re.compile(
        r"\b(?:write|poem|story|lyrics|slogan|essay|haiku|novel|script|calculate|compute|"
        r"what time|date today|summari[sz]e (?:this|the) (?:url|page|link)|https?://)\b"
        r"|시를|소설|이야기|가사|작성|써줘|계산|몇 시|요약해"
    ),
}


def heuristic(query: str) -> dict[str, Any]:
    """Keyword intent and word-count complexity, with a confidence of at most 0.3."""
    text = query.casefold()
    intent, confidence = "general", DEFAULT_CONFIDENCE
    for name, pattern in _KEYWORDS.items():
        if pattern.search(text):
            intent, confidence = name, HEURISTIC_CONFIDENCE
            break
    return {"intent": intent, "confidence": confidence, "complexity": word_complexity(query)}


def word_complexity(query: str) -> str:
    """The seed's legacy rule: long questions (COMPLEXITY_THRESHOLD words) are complex."""
    return "complex" if len(query.split()) >= settings.COMPLEXITY_THRESHOLD else "simple"


async def classifier(state: AgentState) -> dict[str, Any]:
    """Graph node: set intent, confidence, complexity and the answering model."""
    query = state["query"]
    model = helper_model("classifier")
    messages = [
        SystemMessage(CLASSIFIER_SYSTEM),
        *state.get("history", [])[-HISTORY_MESSAGES:],
        HumanMessage(query),
    ]
    reply = await llm.call(llm.structured_model(model, Classification), messages, model=model)
    parsed = parse_classification(llm.text_of(reply))
    router = "llm" if parsed else "heuristic"
    parsed = parsed or heuristic(query)
    complexity = parsed["complexity"] or word_complexity(query)
    return {
        "router": router,
        "intent": parsed["intent"],
        "confidence": parsed["confidence"],
        "complexity": complexity,
        "model": model_for(parsed["intent"], complexity),
        **llm.usage(reply),
    }
