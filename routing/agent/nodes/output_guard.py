"""Output guard: an empty or content-free answer is retried, then replaced by a fallback.

"Too short" means no letter or digit at all (empty, whitespace, "...", "**"): a one-word
or one-digit answer such as "4" or "네" is a legitimate reply to a short question, while
punctuation alone never is.
"""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from langchain_core.messages import HumanMessage, RemoveMessage
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from routing.agent.state import AgentState

MIN_MEANINGFUL_CHARS = 1  # letters or digits, in any script


def is_acceptable(response: str) -> bool:
    """True when the answer has at least MIN_MEANINGFUL_CHARS letters or digits."""
    return sum(char.isalnum() for char in response) >= MIN_MEANINGFUL_CHARS


async def output_guard(state: AgentState) -> dict[str, Any]:
    """Graph node: pass, retry (via the classifier, retry_count + 1) or fall back."""
    if is_acceptable(state.get("response", "")):
        return {"output_quality": "pass"}
    retries = state.get("retry_count", 0)
    if retries >= settings.OUTPUT_MAX_RETRIES:
        return {"output_quality": "fallback"}
    # A fresh attempt: this turn's working messages and evidence start over.
    return {
        "output_quality": "retry",
        "retry_count": retries + 1,
        "messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), HumanMessage(state["query"])],
        "response": "",
        "sources": [],
        "sub_queries": [],
        "search_results": [],
        "tool_rounds": 0,
    }


async def route_output(state: AgentState) -> Literal["pass", "retry", "fallback"]:
    """Router on the output guard's verdict."""
    quality = state.get("output_quality")
    if quality not in ("pass", "retry", "fallback"):
        raise ValueError(f"output guard left no verdict: {quality!r}")
    return quality
