"""Intent vocabulary, the classifier's output schema and parser, and the model table.

Models are read from settings at call time so tests (and operators) can change them
without rebuilding the compiled graph.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, get_args

from django.conf import settings
from pydantic import BaseModel, Field

Intent = Literal["search", "analysis", "creative", "general"]
Complexity = Literal["simple", "complex"]
OutputQuality = Literal["pass", "retry", "fallback"]
Helper = Literal["classifier", "refiner", "decomposer", "researcher"]
Router = Literal["fast", "llm", "heuristic"]

INTENTS: tuple[str, ...] = get_args(Intent)
COMPLEXITIES: tuple[str, ...] = get_args(Complexity)

# Words small models use instead of our labels.
_INTENT_SYNONYMS = {
    "web_search": "search",
    "websearch": "search",
    "web search": "search",
    "lookup": "search",
    "analyze": "analysis",
    "analyse": "analysis",
    "analytical": "analysis",
    "create": "creative",
    "creation": "creative",
    "writing": "creative",
    "tools": "creative",
    "chat": "general",
    "conversation": "general",
    "other": "general",
}


class Classification(BaseModel):
    """The classifier's answer; its JSON schema is sent to Ollama as `format`."""

    intent: Intent = Field(description="search | analysis | creative | general")
    confidence: float = Field(ge=0.0, le=1.0, description="0.0 to 1.0")
    complexity: Complexity = Field(description="simple | complex")


def model_for(intent: str, complexity: str) -> str:
    """The model that writes the final answer for this routing."""
    if intent in ("search", "analysis", "creative"):
        return settings.MODEL_COMPLEX
    if intent == "general":
        return settings.MODEL_SIMPLE if complexity == "simple" else settings.MODEL_COMPLEX
    raise ValueError(f"unknown intent {intent!r}")


def helper_model(helper: Helper) -> str:
    """Helpers (classifier, refiner, decomposer, researchers) run on the small model."""
    if helper not in get_args(Helper):
        raise ValueError(f"unknown helper {helper!r}")
    return settings.MODEL_SIMPLE


def extract_json(text: str) -> Any | None:
    """The first JSON object in `text`, ignoring code fences and surrounding prose."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _label(value: Any, choices: tuple[str, ...], synonyms: dict[str, str]) -> str | None:
    if not isinstance(value, str):
        return None
    word = value.strip().strip("\"'`.").casefold()
    word = synonyms.get(word, word)
    return word if word in choices else None


def _confidence(value: Any) -> float:
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        try:
            value = float(text) / (100 if value.strip().endswith("%") else 1)
        except ValueError:
            return 0.5
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.5
    if value > 1.0 and value <= 100.0:  # "90" meant as a percentage
        value = value / 100.0
    return min(1.0, max(0.0, float(value)))


def parse_classification(text: str) -> dict[str, Any] | None:
    """Tolerant parse of the classifier's raw text: {intent, confidence, complexity|None}.

    Accepts strict JSON, JSON inside fences or prose, keys and labels in any case, and as a
    last resort `intent: search`-style prose. None when no usable intent is found.
    """
    data = extract_json(text)
    if data is None:
        found = re.search(r"intent\W{0,4}(\w+)", text, re.IGNORECASE)
        level = re.search(r"complexity\W{0,4}(\w+)", text, re.IGNORECASE)
        data = {
            "intent": found.group(1) if found else None,
            "complexity": level.group(1) if level else None,
        }
    data = {str(key).strip().casefold(): value for key, value in data.items()}
    intent = _label(data.get("intent"), INTENTS, _INTENT_SYNONYMS)
    if intent is None:
        return None
    return {
        "intent": intent,
        "confidence": _confidence(data.get("confidence")),
        "complexity": _label(data.get("complexity"), COMPLEXITIES, {}),
    }
