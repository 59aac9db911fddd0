"""The JSON chat endpoint's pipeline: prepared turn in, ChatResponse body out (SPEC 7).

Order: (quota, in the view) → cache lookup → conversation → user message → agent →
assistant message → usage → cache store. A cache hit skips the agent entirely. The steps
after the agent run shielded: a client that leaves at that moment (Django cancels the
view) still gets its answer stored and its usage counted.
"""

from __future__ import annotations

import asyncio
from typing import Any

from core.errors import LlmUnavailable
from core.timing import timed
from routing.agent.runner import run_agent
from routing.chat.answer import OUTCOME_ERROR, ChatAnswer
from routing.chat.shielded import run_shielded
from routing.chat.turn import ChatTurn, turn_finish
from routing.ollama.errors import LlmUnavailableError


async def chat_complete(turn: ChatTurn) -> dict[str, Any]:
    """Answer the prepared turn; raises `LlmUnavailable` (503) when Ollama fails."""
    if turn.cached is not None:
        answer = turn.cached.as_served_from_cache()
    else:
        answer = await _agent_answer(turn)
    await run_shielded(turn_finish(turn, answer))
    return answer.response_body(
        query=turn.query,
        conversation_id=turn.conversation.pk,
        cached=turn.cached is not None,
    )


async def _agent_answer(turn: ChatTurn) -> ChatAnswer:
    try:
        with timed("llm"):
            result = await run_agent(turn.query, turn.history)
    except LlmUnavailableError:
        # The user's message stays stored; the ledger records the failed request.
        await run_shielded(turn_finish(turn, None, outcome=OUTCOME_ERROR))
        raise LlmUnavailable() from None
    except asyncio.CancelledError:
        # The client went away mid-answer (the model request is cancelled with us).
        await run_shielded(turn_finish(turn, None, outcome=OUTCOME_ERROR))
        raise
    return ChatAnswer.from_agent(result)
