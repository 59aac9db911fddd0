"""Input guard node: refuses over-long input, prompt injection and harmful requests.

Every turn the request would forward is checked, not only the query: the user and
assistant turns of a client's `messages` (a client can forge an assistant turn that
"agreed" to an attack) and a stored conversation's turns. One refused turn makes the whole
request a blocked request — the polite refusal, `is_blocked` and `block_reason` — and
nothing of it reaches a model. The checks themselves live in `routing/agent/guards/`:
normalisation against obfuscation, the patterns, the learned layer (docs/agent.md).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from langchain_core.messages import BaseMessage, HumanMessage

from routing.agent.guards.check import inspect_turns
from routing.agent.state import AgentState

logger = logging.getLogger(__name__)


def _turns(history: list[BaseMessage]) -> list[tuple[str, str]]:
    return [("user" if isinstance(m, HumanMessage) else "assistant", m.text) for m in history]


async def input_guard(state: AgentState) -> dict[str, Any]:
    """Graph node: set `is_blocked` and `block_reason` from the query and its history."""
    turns = _turns(state.get("history") or [])
    verdict, index = inspect_turns(state["query"], turns, max_chars=settings.INPUT_MAX_CHARS)
    if verdict.blocked and index is not None:
        logger.info(
            "input guard refused history turn %d (%s): %s:%s",
            index,
            turns[index][0],
            verdict.reason,
            verdict.pattern,
        )
    return {"is_blocked": verdict.blocked, "block_reason": verdict.reason}
