"""Fallback: an intent-specific apology when retries did not produce a usable answer."""

from __future__ import annotations

from typing import Any

from routing.agent.prompts import FALLBACKS, localized
from routing.agent.state import AgentState
from routing.ollama.chat_models import emit_final_text


async def fallback(state: AgentState) -> dict[str, Any]:
    """Graph node: the apology for this intent, in the user's language."""
    message = localized(FALLBACKS[state.get("intent") or "general"], state["query"])
    emit_final_text(message)
    return {"response": message, "sources": []}
