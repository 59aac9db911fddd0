"""The adapters' way into the one chat turn (routing/chat/turn.py), stateless.

`answer_whole` and `answer_events` run the turn and only add what the protocols need on
top: a failure before any answer becomes an HTTP error the client's library understands
(an unknown model is Ollama's 404, not "Ollama is down"), so a stream is primed — its
first piece of answer is awaited before the status line is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from core.errors import DatabaseUnavailable, GatewayError, LlmUnavailable, ServiceUnavailable
from routing.agent.runner import AgentMeta
from routing.answer import Answer
from routing.chat.turn import HEARTBEAT, Turn, TurnEvent, TurnFailure, turn_answer, turn_events
from routing.ollama.errors import OllamaError

# How a protocol words a model call that failed before any answer (None: no detail kept).
FailureMap = Callable[[OllamaError | None], GatewayError]


def failure_error(failure: TurnFailure, engine: Any, failed: FailureMap) -> GatewayError:
    """The HTTP error for a stream that failed before its first piece of answer."""
    if failure.code == LlmUnavailable.default_code:
        return failed(getattr(engine, "failure", None))
    if failure.code == DatabaseUnavailable.default_code:
        return DatabaseUnavailable()
    return ServiceUnavailable(failure.message)


async def answer_whole(turn: Turn, engine: Any, failed: FailureMap) -> Answer:
    """The whole answer; the ledger row is committed before this returns."""
    try:
        return await turn_answer(turn, engine)
    except LlmUnavailable:
        raise failed(getattr(engine, "failure", None)) from None


async def answer_events(turn: Turn, engine: Any, failed: FailureMap) -> AsyncIterator[TurnEvent]:
    """The turn's events, once the first piece of the answer (or the answer) is in."""
    events = turn_events(turn, engine)
    head: list[TurnEvent] = []
    async for item in events:
        if item is HEARTBEAT or isinstance(item, AgentMeta):
            head.append(item)
            continue
        if isinstance(item, TurnFailure):
            await events.aclose()
            raise failure_error(item, engine, failed)
        head.append(item)
        break
    return _chain(head, events)


async def _chain(head: list[TurnEvent], rest: AsyncIterator[TurnEvent]) -> AsyncIterator[TurnEvent]:
    try:
        for item in head:
            yield item
        async for item in rest:
            yield item
    finally:
        await rest.aclose()
