"""How the test server answers the gateway's intent classifier: keywords, as a small model would.

A request whose `format` schema has an `intent` property with the four intents gets an
intent chosen from English and Korean keywords of the last user message (so
`make fake-ollama` shows every route), a confidence, and a complexity from its length.
Every other schema still gets the deterministic minimal instance.
"""

from __future__ import annotations

import logging
import re
from typing import Any

logger = logging.getLogger("ollama_testserver.classify")

INTENTS = ("search", "analysis", "creative", "general")
MATCHED_CONFIDENCE = 0.9
DEFAULT_CONFIDENCE = 0.6  # nothing matched: general, less sure
COMPLEX_WORDS = 12
COMPLEX_CHARS = 60

# Checked in this order: writing and tool requests first ("write a poem about today's
# weather" is creative), then comparisons, then fresh information.
_RULES = (
    (
        "creative",
        re.compile(
            r"\b(?:write|poem|story|lyrics|slogan|essay|haiku|compose|draft|calculate|compute|"
            r"what time|today's date|summari[sz]e|translate|joke)\b|https?://|\d\s*[-+*/^%]\s*\d"
            r"|시를|소설|이야기|가사|작성|써줘|지어줘|만들어줘|계산|몇 시|요약해|번역"
        ),
    ),
    (
        "analysis",
        re.compile(
            r"\b(?:analy[sz]e|analysis|compare|comparison|pros and cons|trade-?offs?|versus|vs|"
            r"evaluate|which is better|differences? between|impact of)\b"
            r"|분석|비교|장단점|차이점|영향|평가|뭐가 (?:더 )?나아"
        ),
    ),
    (
        "search",
        re.compile(
            r"\b(?:latest|news|today|tonight|tomorrow|current(?:ly)?|recent(?:ly)?|this week|"
            r"right now|price of|weather|forecast|who won|score|search|look up|stock)\b"
            r"|최신|뉴스|오늘|내일|현재|지금|요즘|최근|날씨|검색|주가|시세|환율"
        ),
    ),
)


def is_classifier_schema(schema: Any) -> bool:
    """The gateway's classification schema: an `intent` property listing the intents."""
    if not isinstance(schema, dict):
        return False
    intent = (schema.get("properties") or {}).get("intent")
    return isinstance(intent, dict) and set(INTENTS) <= set(intent.get("enum") or ())


def classify(text: str) -> dict[str, Any]:
    """{intent, confidence, complexity} for the user's text."""
    folded = text.casefold()
    intent, confidence = "general", DEFAULT_CONFIDENCE
    for name, pattern in _RULES:
        if pattern.search(folded):
            intent, confidence = name, MATCHED_CONFIDENCE
            break
    long = len(text.split()) >= COMPLEX_WORDS or len(text) >= COMPLEX_CHARS
    result = {
        "intent": intent,
        "confidence": confidence,
        "complexity": "complex" if long else "simple",
    }
    logger.info("classifier call: %r -> %s", text[:80], intent)
    return result
