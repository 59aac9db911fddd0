"""Creative agent: the large model with tools, looping through the ToolNode.

At most MAX_TOOL_ROUNDS rounds of tool calls; after that the model is called without
tools so it must write the final answer from what it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool

from routing.agent.intent_schema import model_for
from routing.agent.prompts import CREATIVE_LAST_ROUND, CREATIVE_SYSTEM
from routing.agent.state import AgentState, Source, conversation
from routing.ollama import chat_models as llm

MAX_TOOL_ROUNDS = 5


def creative_tools() -> Sequence[BaseTool]:
    """The tools the creative agent may call (imported late: they pull in HTTP clients)."""
    from routing.agent.tools.registry import TOOLS

    return TOOLS


async def creative_agent(state: AgentState) -> dict[str, Any]:
    """Graph node: one model turn; either tool calls (another round) or the answer."""
    model = model_for("creative", state["complexity"])
    rounds = state.get("tool_rounds", 0)
    if rounds < MAX_TOOL_ROUNDS:
        runnable = llm.tool_model(model, creative_tools())
        messages = conversation(state, CREATIVE_SYSTEM)
    else:
        runnable = llm.chat_model(model, final=True)
        messages = conversation(state, f"{CREATIVE_SYSTEM}\n\n{CREATIVE_LAST_ROUND}")
    reply = await llm.call(runnable, messages, model=model)
    tokens = llm.usage(reply)
    if reply.tool_calls and rounds < MAX_TOOL_ROUNDS:
        return {"messages": [reply], "tool_rounds": rounds + 1, **tokens}
    if reply.tool_calls:
        # Out of rounds but the model still asks for tools: keep only its text.
        reply = AIMessage(content=reply.content, id=reply.id, usage_metadata=reply.usage_metadata)
    return {
        "messages": [reply],
        "response": llm.text_of(reply),
        "model": model,
        "sources": tool_sources(state.get("messages", [])),
        **tokens,
    }


async def route_creative(state: AgentState) -> Literal["tools", "output_guard"]:
    """Router: run the requested tools, or hand the answer to the output guard."""
    last = state["messages"][-1]
    if not isinstance(last, AIMessage):
        raise ValueError(f"creative agent must end on an AIMessage, got {type(last).__name__}")
    return "tools" if last.tool_calls else "output_guard"


def tool_sources(messages: Sequence[Any]) -> list[Source]:
    """Pages the tools read (their artifacts), each URL once, in the order used."""
    sources: dict[str, Source] = {}
    for message in messages:
        if isinstance(message, ToolMessage) and isinstance(message.artifact, list):
            for item in message.artifact:
                if isinstance(item, dict) and item.get("url"):
                    sources.setdefault(
                        item["url"], {"title": item.get("title", ""), "url": item["url"]}
                    )
    return list(sources.values())
