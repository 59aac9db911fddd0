"""The interface the chat API calls: `run_agent` and `stream_agent` (docs/ARCHITECTURE.md).

`run_agent` invokes the graph plainly (no stream handlers, so no per-token overhead).
`stream_agent` streams it: an AgentMeta once the pre-router or the classifier has routed
the query, an AgentToken for each chunk of the final answer as Ollama produces it (LLM calls tagged
FINAL_ANSWER_TAG, plus text nodes emit themselves such as the search-unavailable note or
a fallback), then the Answer. Only the first classification is announced. When the
output guard retries, the rejected attempt's chunks (empty or punctuation-only, by
definition of a rejected answer) have already been sent: `Answer.response` is the
authoritative answer. Closing the generator cancels the graph and the in-flight request.

Both run within AGENT_DEADLINE_SECONDS (`deadline.py`): past it, the graph is cancelled and
LlmUnavailableError raised. `stream_agent` bounds each wait for the graph's next part by the
same instant, so the deadline never cancels the consumer's own awaits between parts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage

from metrics.models import Outcome
from routing.agent.deadline import Deadline
from routing.agent.graph import get_graph, run_config
from routing.answer import Answer, source_of
from routing.ollama.chat_models import FINAL_ANSWER_TAG, FINAL_TEXT_KEY, streaming_config

# Prior turns kept as context: enough for follow-ups, small enough for a 3B model's window.
# The turn loads no more than this from a stored conversation.
HISTORY_MAX_MESSAGES = 20


@dataclass(frozen=True)
class AgentMeta:
    """Routing is known."""

    intent: str
    complexity: str
    model: str
    confidence: float
    router: str = ""


@dataclass(frozen=True)
class AgentToken:
    """A chunk of the final answer, as Ollama produced it."""

    content: str


def history_messages(history: list[dict]) -> list[BaseMessage]:
    """Prior turns as chat messages; roles other than user/assistant are dropped, so a
    client cannot smuggle in a system prompt."""
    messages: list[BaseMessage] = []
    for turn in history[-HISTORY_MAX_MESSAGES:]:
        content = turn.get("content")
        if not isinstance(content, str) or not content:
            continue
        if turn.get("role") == "user":
            messages.append(HumanMessage(content))
        elif turn.get("role") == "assistant":
            messages.append(AIMessage(content))
    return messages


def initial_state(query: str, history: list[dict]) -> dict[str, Any]:
    return {
        "query": query,
        "history": history_messages(history),
        "messages": [HumanMessage(query)],
        "retry_count": 0,
        "tool_rounds": 0,
        "sources": [],
        "sub_queries": [],
        "search_results": [],
        "response": "",
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "compute_seconds": 0.0,
        "durations": {},
    }


def to_answer(state: dict[str, Any]) -> Answer:
    """The graph's final state as the one answer type."""
    if state.get("is_blocked"):
        outcome = Outcome.BLOCKED
    elif state.get("output_quality") == "fallback":
        outcome = Outcome.FALLBACK
    else:
        outcome = Outcome.OK
    return Answer(
        response=state.get("response", ""),
        intent=state.get("intent") or "general",
        complexity=state.get("complexity") or "simple",
        model=state.get("model") or "",
        confidence=float(state.get("confidence") or 0.0),
        is_blocked=bool(state.get("is_blocked")),
        block_reason=state.get("block_reason"),
        sources=[source_of(s) for s in state.get("sources") or []],
        prompt_tokens=int(state.get("prompt_tokens") or 0),
        completion_tokens=int(state.get("completion_tokens") or 0),
        outcome=outcome,
        router=state.get("router") or "",
        compute_seconds=float(state.get("compute_seconds") or 0.0),
        durations=dict(state.get("durations") or {}),
    )


def routing_of(update: dict[str, Any]) -> dict[str, Any] | None:
    """The routing in a node update: the classifier node's (the pre-router's when it decided
    alone, else the LLM's)."""
    routed = update.get("classifier")
    if isinstance(routed, dict) and "intent" in routed:
        return routed
    return None


def final_text(mode: str, data: Any) -> str | None:
    """The final-answer text in one stream part: a chunk of a tagged LLM call, or text a
    node emitted itself (a note, a fallback). Tool-call chunks carry no text."""
    if mode == "messages":
        chunk, metadata = data
        if isinstance(chunk, AIMessageChunk) and FINAL_ANSWER_TAG in (metadata.get("tags") or ()):
            return chunk.content if isinstance(chunk.content, str) else chunk.text
    elif mode == "custom" and isinstance(data, dict):
        return data.get(FINAL_TEXT_KEY)
    return None


async def run_agent(query: str, history: list[dict]) -> Answer:
    """Answer `query` in the context of `history`; raises OllamaError."""
    deadline = Deadline()
    state = await deadline.run(get_graph().ainvoke(initial_state(query, history), run_config()))
    return to_answer(state)


async def stream_agent(
    query: str, history: list[dict]
) -> AsyncIterator[AgentMeta | AgentToken | Answer]:
    """Stream the answer: AgentMeta, AgentToken..., Answer (blocked: the answer only)."""
    deadline = Deadline()
    final: dict[str, Any] | None = None
    announced = False
    parts = get_graph().astream(
        initial_state(query, history),
        streaming_config(run_config()),
        stream_mode=["messages", "custom", "updates", "values"],
        subgraphs=True,
    )
    async with aclosing(parts):  # closing it cancels the running node and its request
        while True:
            deadline.check()
            part = await deadline.run(anext(parts, None))
            if part is None:
                break
            namespace, mode, data = part
            if text := final_text(mode, data):
                yield AgentToken(text)
            elif namespace:
                continue  # a subgraph's own steps and state
            elif mode == "updates" and not announced and (routed := routing_of(data)):
                announced = True
                yield AgentMeta(
                    routed["intent"],
                    routed["complexity"],
                    routed["model"],
                    routed["confidence"],
                    routed.get("router") or "",
                )
            elif mode == "values":
                final = data
    if final is None:
        raise RuntimeError("the agent graph produced no final state")
    yield to_answer(final)
