"""The agent's state: the seed's fields plus `messages`, `history`, `sources`, `tool_rounds`,
`router` and `pre_route`."""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from langchain_core.messages import AnyMessage, BaseMessage, SystemMessage
from langgraph.graph.message import add_messages

from routing.agent.intent_schema import Complexity, Intent, OutputQuality, Router
from routing.ollama.metering import add_durations


class Source(TypedDict):
    """A web page an answer drew on."""

    title: str
    url: str


class PreRoute(TypedDict):
    """The pre-router's prediction for the query."""

    intent: Intent
    complexity: Complexity
    confidence: float


class AgentState(TypedDict, total=False):
    """One chat turn flowing through the graph."""

    # This turn's working messages: the query, the agents' replies, tool calls and their
    # results (the creative agent's loop). The output guard resets them on a retry.
    messages: Annotated[list[AnyMessage], add_messages]
    # Prior turns of the conversation, oldest first (user/assistant only), as context.
    history: list[BaseMessage]
    # The user's question, as received.
    query: str
    # Where the classifier routed the query.
    intent: Intent
    # The classifier's confidence, 0.0-1.0 (the heuristic fallback reports <= 0.3).
    confidence: float
    # simple | complex: picks the general agent's model.
    complexity: Complexity
    # Who decided the intent: "fast" (the pre-router alone), "llm" (the classifier's
    # answer) or "heuristic" (the pre-router's guess after an unusable classifier answer).
    router: Router
    # The pre-router's guess {"intent", "complexity", "confidence"}, decided on or not.
    pre_route: PreRoute
    # The model that writes the final answer (intent_schema.model_for).
    model: str
    # Set by the input guard; a blocked query goes straight to the refusal.
    is_blocked: bool
    # Why it was blocked: "input_too_long" | "prompt_injection" | "harmful_content".
    block_reason: str | None
    # The output guard's verdict on the latest answer: pass | retry | fallback.
    output_quality: OutputQuality
    # How many times the output guard sent the query back to the classifier.
    retry_count: int
    # The analysis subgraph's sub-questions.
    sub_queries: list[str]
    # Evidence gathered: formatted web hits (search) or sub-answers (analysis).
    search_results: list[str]
    # The final answer text.
    response: str
    # Ollama's prompt token counts, summed over every LLM call (the reducer adds updates).
    prompt_tokens: Annotated[int, operator.add]
    # Ollama's completion token counts, summed over every LLM call.
    completion_tokens: Annotated[int, operator.add]
    # Ollama's compute time (load + prompt-eval + eval durations), summed over every call.
    compute_seconds: Annotated[float, operator.add]
    # Ollama's timings (ns) by key (total, load, prompt-eval, eval duration), summed per key
    # over every call: the /ollama adapter's final chunk reports them for `auto`.
    durations: Annotated[dict[str, int], add_durations]
    # The web pages the search answer was given: [{"title", "url"}].
    sources: list[Source]
    # Tool rounds the creative agent has used in this attempt (at most MAX_TOOL_ROUNDS).
    tool_rounds: int


def conversation(state: AgentState, system: str) -> list[BaseMessage]:
    """The context every agent sees: its system prompt, prior turns, then this turn."""
    return [SystemMessage(system), *state.get("history", []), *state.get("messages", [])]
