"""Blocked response: a polite refusal in the user's language; no model is called."""

from __future__ import annotations

from typing import Any

from routing.agent.prompts import REFUSALS, localized
from routing.agent.state import AgentState


async def blocked_response(state: AgentState) -> dict[str, Any]:
    """Graph node: the refusal for the input guard's reason."""
    reason = state.get("block_reason")
    if reason not in REFUSALS:
        raise ValueError(f"blocked without a known reason: {reason!r}")
    return {"response": localized(REFUSALS[reason], state["query"])}
