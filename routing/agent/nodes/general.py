"""General agent: a direct answer, on the small model when simple and the large when complex."""

from __future__ import annotations

from typing import Any

from routing.agent.intent_schema import model_for
from routing.agent.prompts import GENERAL_SYSTEM
from routing.agent.state import AgentState, conversation
from routing.ollama import chat_models as llm


async def general_agent(state: AgentState) -> dict[str, Any]:
    """Graph node: answer from the system prompt, the history and the query."""
    model = model_for("general", state["complexity"])
    reply = await llm.call(
        llm.chat_model(model, final=True), conversation(state, GENERAL_SYSTEM), model=model
    )
    return {
        "messages": [reply],
        "response": llm.text_of(reply),
        "model": model,
        **llm.usage(reply),
    }
