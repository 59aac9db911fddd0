"""The chat turn: one request of any protocol, from admission to its ledger row (SPEC 7).

Authentication is the view's. Then, in order:

    admit     key scope (403); quota (429), token budgets (429)
              and the cache lookup ..................... one Redis round trip
              conversation, history, question .......... stateful turns: one statement on
                                                         the loop (a new conversation), or
                                                         one thread hop (a stored one); a
                                                         cache hit on a new conversation
                                                         stores its question at the close
    answer    the cached answer, or the engine (the agent for "auto", or one model)
    close     the answer and its usage ledger row ...... one statement on the loop
              usage counters, metrics, budget settle,
              cache store .............................. one Redis round trip
                                                         (a JSON answer's rides in the
                                                         request's own metrics write)

Every protocol calls these: `/api/chat/` (`turn_answer`), `/api/chat/stream`
(`turn_events`), and the `/v1` and `/ollama` adapters, whose turns are stateless (the
client sends the history: no conversation is written and the response cache is not used).

Admission is all or nothing: a request cancelled before its question is stored leaves no
trace and gets its quota unit back; once admitted, the turn is always closed exactly once
— with the answer, an error, or what a departed client had been sent — so every admitted
request leaves one ledger row. The closing steps run shielded from cancellation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError

from accounts.budget import (
    Reservation,
    budget_discard,
    budget_enqueue,
    budget_estimate,
    budget_reserved,
    budget_unreserved,
    reservation_release,
    reservation_settle_fill,
)
from accounts.quota import (
    QuotaStatus,
    quota_after_failure,
    quota_enqueue,
    quota_refund,
    quota_settle,
)
from accounts.scopes import AUTO_MODEL
from conversations.models import Conversation
from core.errors import LlmUnavailable
from core.redis_client import REDIS_DOWN_ERRORS, async_redis
from core.request_context import current_facts
from core.timing import RequestTiming, current_timing, timed, timing_start
from metrics import recorders
from metrics.ledger_outbox import ledger_outbox_drain_due, ledger_outbox_push
from metrics.models import Api, Outcome
from metrics.usage import UsageEntry, usage_publish
from routing.agent.runner import AgentMeta, AgentToken, run_agent, stream_agent
from routing.answer import Answer
from routing.chat import persistence
from routing.chat.cache import cache_decode, cache_key, cache_store_fill
from routing.chat.pump import SILENCE, AgentPump
from routing.chat.serializers import chat_response_body
from routing.chat.shielded import run_detached, run_shielded
from routing.ollama.errors import OllamaError

logger = logging.getLogger(__name__)

DATABASE_ERROR_MESSAGE = "The answer could not be stored; please try again shortly."
INTERNAL_ERROR_MESSAGE = "The answer could not be completed."


@dataclass(frozen=True)
class TurnRequest:
    """What a protocol adapter hands the turn once it has parsed and authenticated."""

    user: Any
    api_key: Any
    query: str
    # Prior turns sent by the client, [{"role", "content"}], oldest first.
    history: list[dict] = field(default_factory=list)
    # Native API only: continue this stored conversation (its history is the context).
    conversation_id: Any = None
    api: str = Api.NATIVE
    # Stateful turns store the conversation and use the response cache (native API).
    stateful: bool = True
    # The model asked for ("auto": the agent) and the request's own completion cap, which
    # key scopes and the budget reservation read (accounts/budget.py).
    model: str = AUTO_MODEL
    max_tokens: int | None = None


@dataclass
class Turn:
    """An admitted request: what the engine needs and what closing it will record."""

    request: TurnRequest
    timing: RequestTiming
    quota: QuotaStatus | None = None
    reservation: Reservation | None = None
    conversation: Conversation | None = None
    history: list[dict] = field(default_factory=list)
    cached: Answer | None = None
    # Whether a cache lookup decided this turn (the answer was or could have been cached).
    cache_lookup: bool = False
    # The client left while the turn was being admitted.
    abandoned: bool = False
    closed: bool = False

    @property
    def question_pending(self) -> bool:
        """A stateful turn admitted without a stored conversation: a cache hit on a new
        one, which had nothing to read, so its conversation and question are stored at the
        close, in the same statement as the answer and the ledger row."""
        return self.request.stateful and self.conversation is None

    @property
    def cacheable(self) -> bool:
        """An answer that depends on earlier turns must never be served to another one."""
        return self.request.stateful and not self.history


@dataclass(frozen=True)
class TurnFailure:
    """The end of a streamed turn that has no answer (the headers are already sent)."""

    code: str
    message: str


# A streamed turn's items: AgentMeta, AgentToken..., then an Answer or a TurnFailure;
# HEARTBEAT whenever the engine has been silent for SSE_HEARTBEAT_SECONDS.
HEARTBEAT = SILENCE
TurnEvent = AgentMeta | AgentToken | Answer | TurnFailure | object


class Engine(Protocol):
    """What writes the answer: the agent (model "auto") or a direct model call."""

    async def run(self, turn: Turn) -> Answer: ...

    def stream(self, turn: Turn) -> AsyncIterator[AgentMeta | AgentToken | Answer]: ...


class AgentEngine:
    """The LangGraph agent: guards, classifier, the intent's agent, output guard."""

    async def run(self, turn: Turn) -> Answer:
        return await run_agent(turn.request.query, turn.history)

    def stream(self, turn: Turn) -> AsyncIterator[AgentMeta | AgentToken | Answer]:
        return stream_agent(turn.request.query, turn.history)


# --- admit ------------------------------------------------------------------------------


async def turn_admit(request: TurnRequest) -> Turn:
    """Admit the request: quota (429), cache lookup, conversation (404) and question.

    Cancelling the caller does not cut admission in half: it finishes in its own task and
    either backs out (before the question is stored) or closes the admitted turn.
    """
    turn = Turn(request=request, timing=current_timing() or timing_start())
    admission = asyncio.ensure_future(_admit(turn))
    try:
        await run_shielded(admission)
    except asyncio.CancelledError:
        turn.abandoned = True
        admission.add_done_callback(lambda _: _close_abandoned(turn, admission))
        raise
    current_facts().cached = (turn.cached is not None) if turn.cache_lookup else None
    return turn


async def _admit(turn: Turn) -> bool:
    """Admit the turn; False when its client left before anything was stored."""
    cached_raw, ticket = await _limits_and_cache_lookup(turn)
    if turn.abandoned:
        if ticket is not None:
            await quota_refund(ticket)
        await reservation_release(turn.reservation)
        return False
    try:
        return await _open(turn, cached_raw)
    except BaseException:
        await reservation_release(turn.reservation)
        raise


async def _open(turn: Turn, cached_raw) -> bool:
    """The conversation, its history and the question (stateful turns), and the cache hit."""
    request = turn.request
    turn.history = list(request.history)
    hit = cache_decode(cached_raw) if turn.cache_lookup else None
    if hit is not None and request.conversation_id is None:
        turn.cached = hit  # the question waits for the close (Turn.question_pending)
        return True
    if request.stateful:
        # With a conversation id, its stored turns are the context (`messages` are ignored).
        turn.conversation, stored = await persistence.turn_open(
            user=request.user, conversation_id=request.conversation_id, query=request.query
        )
        if request.conversation_id is not None:
            turn.history = stored
    if turn.cacheable and turn.cache_lookup:
        turn.cached = hit
    else:
        turn.cache_lookup = False
    return True


async def _limits_and_cache_lookup(turn: Turn):
    """One round trip: the quota's count, the key scope and token budgets' reservation
    (settled in `turn_close`), and the cache GET when it may apply.

    A refusal by one gives back what the others took. A stored conversation may still turn
    out to have history; its cache lookup is then ignored.
    """
    request = turn.request
    turn.cache_lookup = request.stateful and not request.history
    prompt_chars = len(request.query) + sum(
        len(str(m.get("content") or "")) for m in request.history
    )
    estimate = budget_estimate(prompt_chars=prompt_chars, max_tokens=request.max_tokens)
    quota_ticket = budget_ticket = None
    try:
        with timed("redis"):
            async with async_redis().pipeline(transaction=False) as pipe:
                # The key's model scope is checked here, before anything is counted (403).
                budget_ticket = budget_enqueue(
                    pipe,
                    user=request.user,
                    api_key=request.api_key,
                    model=request.model,
                    estimate=estimate,
                )
                quota_ticket = quota_enqueue(pipe, user=request.user)
                if turn.cache_lookup:
                    pipe.get(cache_key(request.query))
                results = await pipe.execute()
    except REDIS_DOWN_ERRORS as exc:
        turn.quota = await quota_after_failure(quota_ticket, exc)
        turn.reservation = await budget_unreserved(budget_ticket, exc)
        if turn.cache_lookup:
            logger.warning("response cache lookup skipped, Redis unavailable: %s", exc)
            await recorders.record_redis_fallback("cache_skipped")
            turn.cache_lookup = False
        return None, None
    try:
        turn.quota = await quota_settle(quota_ticket, results[1])
    except BaseException:
        await budget_discard(budget_ticket, results[0])
        raise
    try:
        turn.reservation = await budget_reserved(budget_ticket, results[0])
    except BaseException:
        await quota_refund(quota_ticket)
        raise
    return (results[2] if turn.cache_lookup else None), quota_ticket


def _close_abandoned(turn: Turn, admission: asyncio.Future) -> None:
    """An admission whose client left: close the turn it admitted (its ledger row)."""
    if admission.cancelled() or admission.exception() is not None or not admission.result():
        return
    run_detached(turn_close(turn, None, outcome=Outcome.ERROR, interrupted=True))


# --- answer -----------------------------------------------------------------------------


async def turn_answer(turn: Turn, engine: Engine) -> Answer:
    """The whole answer at once (JSON protocols); the turn is closed before it returns.

    Raises `LlmUnavailable` (503) when Ollama fails; the failed request is still recorded.
    """
    if turn.cached is not None:
        answer = turn.cached
    else:
        try:
            with timed("llm"):
                answer = await engine.run(turn)
        except OllamaError as exc:
            logger.warning("chat failed, Ollama unavailable: %s", exc)
            await run_shielded(turn_close(turn, None, outcome=Outcome.ERROR))
            raise LlmUnavailable() from None
        except asyncio.CancelledError:
            # The client went away mid-answer (the model request is cancelled with us).
            await run_shielded(turn_close(turn, None, outcome=Outcome.ERROR, interrupted=True))
            raise
    await run_shielded(turn_close(turn, answer))
    return answer


async def turn_events(turn: Turn, engine: Engine) -> AsyncIterator[TurnEvent]:
    """The answer as it is written (streaming protocols), ending in Answer or TurnFailure.

    A cached answer comes as the Answer alone. The turn is closed before the last item;
    a client that leaves midway has what it was sent (and what was already generated)
    stored as an interrupted answer.
    """
    if turn.cached is not None:
        await run_shielded(turn_close(turn, turn.cached))
        yield turn.cached
        return
    progress = _Progress()
    pump = AgentPump(engine.stream(turn), heartbeat_seconds=settings.SSE_HEARTBEAT_SECONDS)
    try:
        while not progress.finished:
            item = await pump.next()
            if item is SILENCE:
                yield HEARTBEAT
                continue
            if isinstance(item, AgentMeta):
                progress.meta = item
            elif isinstance(item, AgentToken):
                progress.parts.append(item.content)
            else:
                progress.finished = True
                item = await _finish_stream(turn, progress, item)
            yield item
    finally:
        left = pump.stop()
        if not progress.finished:
            # The client left: keep what was generated, including chunks not yet sent.
            progress.parts += [i.content for i in left if isinstance(i, AgentToken)]
            await run_shielded(turn_close(turn, progress.partial(), interrupted=True))
        await pump.wait_stopped()


async def _finish_stream(turn: Turn, progress: _Progress, item: object) -> Answer | TurnFailure:
    """Close the turn on the engine's last item; what the client is told in the end."""
    meta = progress.meta
    try:
        if isinstance(item, Answer):
            turn.timing.add("llm", progress.elapsed())
            await run_shielded(turn_close(turn, item))
            return item
        await run_shielded(
            turn_close(
                turn,
                None,
                outcome=Outcome.ERROR,
                intent=meta.intent if meta else "",
                model=meta.model if meta else "",
            )
        )
    except DatabaseError:
        # The headers are gone: the stream must end with an event, not a hang.
        logger.exception("the answer could not be stored")
        return TurnFailure("database_unavailable", DATABASE_ERROR_MESSAGE)
    if isinstance(item, OllamaError):
        logger.warning("stream failed, Ollama unavailable: %s", item)
        return TurnFailure(LlmUnavailable.default_code, str(LlmUnavailable.default_detail))
    # Not the client's doing and past the point where a 500 could be sent: log it.
    exc_info = item if isinstance(item, BaseException) else None
    logger.error("the agent stream ended without a result", exc_info=exc_info)
    return TurnFailure("internal_error", INTERNAL_ERROR_MESSAGE)


@dataclass
class _Progress:
    """What a streamed turn has produced so far."""

    meta: AgentMeta | None = None
    parts: list[str] = field(default_factory=list)
    finished: bool = False
    started: float = field(default_factory=lambda: asyncio.get_running_loop().time())

    def elapsed(self) -> float:
        return asyncio.get_running_loop().time() - self.started

    def partial(self) -> Answer:
        """The answer as far as it got; Ollama streams one token per chunk, so the chunk
        count stands in for the completion tokens it never got to report."""
        meta = self.meta
        return Answer(
            response="".join(self.parts),
            intent=meta.intent if meta else "",
            complexity=meta.complexity if meta else "",
            model=meta.model if meta else "",
            confidence=meta.confidence if meta else 0.0,
            router=meta.router if meta else "",
            completion_tokens=len(self.parts),
        )


# --- close ------------------------------------------------------------------------------


async def turn_close(
    turn: Turn,
    answer: Answer | None,
    *,
    outcome: str | None = None,
    intent: str = "",
    model: str = "",
    interrupted: bool = False,
) -> None:
    """Store the answer and the ledger row (one statement), then the Redis side (one trip).

    `answer=None`: no answer exists (the model failed, the client left early); `intent` and
    `model` then describe the failed request. Runs once per turn; a database outage keeps
    the ledger row in the outbox (metrics/ledger_outbox.py) and re-raises.
    """
    if turn.closed:
        return
    turn.closed = True
    request = turn.request
    served_from_cache = turn.cached is not None
    # The budget reservation is settled to Ollama's real counts (a cached answer cost Ollama
    # nothing) in the closing round trip.
    spent = (
        answer.prompt_tokens + answer.completion_tokens if answer and not served_from_cache else 0
    )
    fills = [reservation_settle_fill(turn.reservation, spent)] if turn.reservation else []
    usage = UsageEntry(
        user_id=request.user.pk,
        api_key_id=getattr(request.api_key, "pk", None),
        conversation_id=getattr(turn.conversation, "pk", None),
        api=request.api,
        intent=answer.intent if answer else intent,
        model=answer.model if answer else model,
        router=answer.router if answer else "",
        prompt_tokens=answer.prompt_tokens if answer else 0,
        completion_tokens=answer.completion_tokens if answer else 0,
        compute_seconds=answer.compute_seconds if answer else 0.0,
        cached=served_from_cache,
        outcome=outcome or (answer.outcome if answer else Outcome.ERROR),
        latency_ms=turn.timing.elapsed_ms(),
        llm_ms=round(turn.timing.spent["llm"] * 1000),
        cache_hit=served_from_cache if turn.cache_lookup else None,
    )
    try:
        turn.conversation = await persistence.turn_close(
            persistence.Closing(
                conversation=turn.conversation,
                answer=answer,
                usage=usage,
                interrupted=interrupted,
                question=request.query if turn.question_pending else None,
                user=request.user,
            )
        )
    except DatabaseError:
        await ledger_outbox_push(usage)
        await usage_publish(usage, *filter(None, fills))
        raise
    fresh = answer is not None and not served_from_cache and not interrupted
    if fresh and answer.cacheable and turn.cacheable:
        fills.append(cache_store_fill(request.query, chat_response_body(turn, answer)))
    with timed("redis"):
        await usage_publish(usage, *filter(None, fills))
    await ledger_outbox_drain_due()
