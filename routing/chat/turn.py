"""A chat turn's start and finish, shared by the JSON and SSE endpoints (SPEC section 7).

`turn_begin` runs the steps before the agent: load the conversation and its history (when
an id is given), look the question up in the cache (only when there is no history),
create the conversation if needed and store the user message. `turn_finish` runs those
after it: store the answer, account usage, cache the answer. Quota is the view's gate and
runs before either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.budget import Reservation, reservation_settle
from conversations.models import Conversation
from core.timing import RequestTiming, current_timing, timing_start
from routing.chat import cache, persistence
from routing.chat.answer import OUTCOME_ERROR, ChatAnswer
from routing.chat.usage import UsageEntry, usage_counters_push, usage_metrics_record


@dataclass
class ChatTurn:
    """Everything the pipeline knows about the request once the user message is stored."""

    user: Any
    api_key: Any
    query: str
    history: list[dict]
    conversation: Conversation
    cacheable: bool
    cached: ChatAnswer | None
    timing: RequestTiming = field(default_factory=lambda: current_timing() or timing_start())
    reservation: Reservation | None = None

    def llm_ms(self) -> int:
        return round(self.timing.spent["llm"] * 1000)


async def turn_begin(
    *, user, api_key, query: str, messages: list[dict], conversation_id
) -> ChatTurn:
    """Prepare the turn; raises ConversationNotFound (404) for an unknown or foreign id."""
    conversation = None
    history = list(messages)
    if conversation_id is not None:
        # The stored conversation is the context; the request's `messages` are ignored.
        conversation, history = await persistence.conversation_with_history(
            user=user, conversation_id=conversation_id
        )
    # An answer that depends on earlier turns must never be served to another conversation.
    cacheable = not history
    cached = await cache.cache_lookup(query) if cacheable else None
    conversation = await persistence.turn_open(user=user, conversation=conversation, query=query)
    return ChatTurn(
        user=user,
        api_key=api_key,
        query=query,
        history=history,
        conversation=conversation,
        cacheable=cacheable,
        cached=cached,
    )


async def turn_finish(
    turn: ChatTurn,
    answer: ChatAnswer | None,
    *,
    outcome: str | None = None,
    intent: str = "",
    model: str = "",
    interrupted: bool = False,
) -> None:
    """Store the answer (None: no answer, e.g. the LLM failed), account usage, cache it.

    `intent`/`model` describe a failed request when no answer exists to describe it.
    """
    cached = turn.cached is not None
    entry = UsageEntry(
        user_id=turn.user.pk,
        api_key_id=getattr(turn.api_key, "pk", None),
        conversation_id=turn.conversation.pk,
        intent=answer.intent if answer else intent,
        model=answer.model if answer else model,
        prompt_tokens=answer.prompt_tokens if answer else 0,
        completion_tokens=answer.completion_tokens if answer else 0,
        cached=cached,
        outcome=outcome or (answer.outcome if answer else OUTCOME_ERROR),
        latency_ms=turn.timing.elapsed_ms(),
    )
    await persistence.turn_close(
        conversation=turn.conversation,
        answer=answer,
        usage_row=entry.ledger_row(),
        interrupted=interrupted,
    )
    if turn.reservation is not None:
        # A cached answer cost Ollama nothing; otherwise Ollama's own counts.
        await reservation_settle(turn.reservation, 0 if cached else entry.total_tokens)
    await usage_counters_push(entry)
    await usage_metrics_record(entry, llm_ms=turn.llm_ms())
    if answer is not None and turn.cacheable and not cached and not interrupted:
        await cache.cache_store(turn.query, answer)
