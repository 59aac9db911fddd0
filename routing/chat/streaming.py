"""The SSE chat endpoint's body: meta, tokens as they arrive, done (or error).

Persistence runs under `run_shielded`, so a client disconnect (Django cancels the task
iterating this body) cannot cut it short: a finished answer is stored whole, an
unfinished one is stored as far as it got with `interrupted=True`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError

from core.errors import LlmUnavailable
from routing.agent.runner import AgentMeta, AgentResult, AgentToken, stream_agent
from routing.chat.answer import OUTCOME_ERROR, ChatAnswer
from routing.chat.shielded import run_shielded
from routing.chat.sse import HEARTBEAT, OPENED, SILENCE, AgentPump, sse_event
from routing.chat.turn import ChatTurn, turn_finish
from routing.ollama.errors import LlmUnavailableError

logger = logging.getLogger(__name__)

INTERNAL_ERROR_MESSAGE = "The answer could not be completed."
DATABASE_ERROR_MESSAGE = "The answer could not be stored; please try again shortly."


@dataclass
class _Progress:
    """What the client has been sent so far."""

    meta: AgentMeta | None = None
    parts: list[str] = field(default_factory=list)
    finished: bool = False
    started: float = field(default_factory=time.perf_counter)

    def partial_answer(self) -> ChatAnswer:
        """The answer as far as it got; Ollama streams one token per chunk, so the chunk
        count stands in for the completion tokens it never got to report."""
        meta = self.meta
        return ChatAnswer(
            response="".join(self.parts),
            intent=meta.intent if meta else "",
            complexity=meta.complexity if meta else "",
            model=meta.model if meta else "",
            confidence=meta.confidence if meta else 0.0,
            completion_tokens=len(self.parts),
        )


async def chat_stream(turn: ChatTurn) -> AsyncIterator[bytes]:
    """The SSE body for a prepared turn (a cache hit is stored before the first byte)."""
    if turn.cached is not None:
        answer = turn.cached.as_served_from_cache()
        await run_shielded(turn_finish(turn, answer))
        return _replay(turn, answer)
    return _live(turn)


def _meta_event(turn: ChatTurn, meta: AgentMeta | ChatAnswer) -> bytes:
    return sse_event(
        "meta",
        {
            "conversation_id": str(turn.conversation.pk),
            "intent": meta.intent,
            "complexity": meta.complexity,
            "model": meta.model,
            "confidence": meta.confidence,
        },
    )


def _done_event(turn: ChatTurn, answer: ChatAnswer) -> bytes:
    body = answer.response_body(
        query=turn.query, conversation_id=turn.conversation.pk, cached=turn.cached is not None
    )
    return sse_event("done", body)


async def _replay(turn: ChatTurn, answer: ChatAnswer) -> AsyncIterator[bytes]:
    """A cached answer, streamed the way a live one would be."""
    yield OPENED
    yield _meta_event(turn, answer)
    for piece in re.findall(r"\s*\S+|\s+", answer.response):
        yield sse_event("token", {"content": piece})
    yield _done_event(turn, answer)


async def _live(turn: ChatTurn) -> AsyncIterator[bytes]:
    progress = _Progress()
    heartbeat = getattr(settings, "SSE_HEARTBEAT_SECONDS", 10)
    pump = AgentPump(stream_agent(turn.query, turn.history), heartbeat_seconds=heartbeat)
    try:
        yield OPENED
        while not progress.finished:
            item = await pump.next()
            for chunk in await _handle(turn, progress, item):
                yield chunk
    except DatabaseError:
        # The headers are gone: an exception escaping now would leave the client hanging
        # (the server can no longer answer 500), so the stream must end with an event.
        logger.exception("the answer could not be stored")
        yield sse_event(
            "error", {"code": "database_unavailable", "message": DATABASE_ERROR_MESSAGE}
        )
    finally:
        left = pump.stop()
        if not progress.finished:
            # The client left: keep what was generated, including chunks not yet sent.
            progress.parts += [i.content for i in left if isinstance(i, AgentToken)]
            answer = progress.partial_answer()
            await run_shielded(turn_finish(turn, answer, interrupted=True))
        await pump.wait_stopped()


async def _handle(turn: ChatTurn, progress: _Progress, item: object) -> list[bytes]:
    """The bytes to send for one item from the agent (persisting first when it ends)."""
    if item is SILENCE:
        return [HEARTBEAT]
    if isinstance(item, AgentMeta):
        progress.meta = item
        return [_meta_event(turn, item)]
    if isinstance(item, AgentToken):
        progress.parts.append(item.content)
        return [sse_event("token", {"content": item.content})]
    progress.finished = True
    meta = progress.meta
    if isinstance(item, AgentResult):
        turn.timing.add("llm", time.perf_counter() - progress.started)
        answer = ChatAnswer.from_agent(item)
        await run_shielded(turn_finish(turn, answer))
        # A blocked query has no meta from the agent; clients still get meta first.
        head = [] if meta else [_meta_event(turn, answer)]
        return [*head, _done_event(turn, answer)]
    await run_shielded(
        turn_finish(
            turn,
            None,
            outcome=OUTCOME_ERROR,
            intent=meta.intent if meta else "",
            model=meta.model if meta else "",
        )
    )
    return [_error_event(item)]


def _error_event(failure: object) -> bytes:
    """The `error` event that ends a stream the agent could not finish."""
    if isinstance(failure, LlmUnavailableError):
        code, message = LlmUnavailable.default_code, str(LlmUnavailable.default_detail)
    else:
        # Not the client's doing and past the point where a 500 could be sent: log it.
        exc_info = failure if isinstance(failure, BaseException) else None
        logger.error("the agent stream ended without a result", exc_info=exc_info)
        code, message = "internal_error", INTERNAL_ERROR_MESSAGE
    return sse_event("error", {"code": code, "message": message})
