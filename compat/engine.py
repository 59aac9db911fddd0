"""Engines of the stateless turn (routing/chat/turn.py's `Engine` protocol) and the native
shapes the adapters build answers from.

`model: "auto"` is the turn's own `AgentEngine`. An explicit model is `DirectEngine`: the
input guard on every user turn first, then that model with the client's own request
(messages, tools, options, format...). Its tokens and answer carry Ollama's whole chunks
(`NativeToken`, `NativeAnswer`), so tool calls and thinking reach the client and /ollama
can forward Ollama's own bytes. `EmbedEngine` puts embeddings through the same turn (quota,
ledger, metrics). An engine that fails keeps the provider error in `failure`, so the
adapter can still tell an unknown model (Ollama's 404) from Ollama being down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from compat.guard import GuardResult, guard_messages, guard_prompt, message_text
from metrics.models import Outcome
from routing.agent.runner import AgentMeta, AgentToken
from routing.answer import Answer
from routing.chat.turn import AgentEngine, Turn, TurnRequest
from routing.ollama import passthrough
from routing.ollama.errors import OllamaError, OllamaUnreachable
from routing.ollama.metering import compute_seconds_of

AUTO = "auto"
CHAT_PATH = "/api/chat"
GENERATE_PATH = "/api/generate"


@dataclass(frozen=True)
class NativeToken(AgentToken):
    """A piece of the answer with Ollama's whole chunk and the bytes it was sent as."""

    data: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass(frozen=True)
class NativeAnswer(Answer):
    """An answer with Ollama's final object (non-streamed: the whole reply) and its bytes."""

    final: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def native_chunk(
    model: str, text: str, *, generate: bool, done: bool, extra: dict | None = None
) -> dict[str, Any]:
    """A chunk in Ollama's key order: model, created_at, message|response, done, ..."""
    data: dict[str, Any] = {"model": model, "created_at": now_rfc3339()}
    if generate:
        data["response"] = text
    else:
        data["message"] = {"role": "assistant", "content": text}
    data["done"] = done
    if done:
        data["done_reason"] = "stop"
    return {**data, **(extra or {})}


def final_of(answer: Answer, *, text: str, generate: bool = False) -> dict[str, Any]:
    """The native final object for an answer: Ollama's own, or one shaped for the agent's.

    The agent's counts and durations are the sums over every call it made, so a client's
    tokens per second (eval_count / eval_duration) is the models' own rate. total_duration
    is the sum of the calls' totals too, not the turn's wall time: it stays at least
    load + prompt-eval + eval as in Ollama's chunks (the agent's calls can run side by side,
    so the wall time can be shorter than their sum), and it leaves out the guard, routing
    and web search, which are not model time.
    """
    if isinstance(answer, NativeAnswer) and answer.final:
        return answer.final
    durations = answer.durations
    metrics = {
        "total_duration": durations.get("total_duration", 0),
        "load_duration": durations.get("load_duration", 0),
        "prompt_eval_count": answer.prompt_tokens,
        "prompt_eval_duration": durations.get("prompt_eval_duration", 0),
        "eval_count": answer.completion_tokens,
        "eval_duration": durations.get("eval_duration", 0),
    }
    metrics = {k: v for k, v in metrics.items() if v}  # Ollama omits zero metrics
    return native_chunk(answer.model or AUTO, text, generate=generate, done=True, extra=metrics)


def chunk_text(data: dict[str, Any]) -> str:
    """The answer text a native chat or generate chunk adds."""
    if "response" in data:
        return str(data.get("response") or "")
    return str((data.get("message") or {}).get("content") or "")


def turn_request_for(
    *,
    user: Any,
    api_key: Any,
    api: str,
    messages: list[dict[str, Any]],
    model: str = AUTO,
    max_tokens: int | None = None,
) -> TurnRequest:
    """A stateless turn: the last user message is the query, earlier turns the history.

    `model` and `max_tokens` (max_tokens / num_predict) are what key scopes and the token
    budget reservation read (accounts/budget.py).
    """
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    query = message_text(messages[last_user]) if last_user is not None else ""
    history = [
        {"role": m.get("role"), "content": message_text(m)}
        for m in messages[: last_user or 0]
        if m.get("role") in ("user", "assistant")
    ]
    return TurnRequest(
        user=user,
        api_key=api_key,
        query=query,
        history=history,
        api=api,
        stateful=False,
        model=model,
        max_tokens=max_tokens,
    )


class AutoEngine(AgentEngine):
    """The agent, under the name the client asked for."""

    requested = AUTO
    failure: OllamaError | None = None


@dataclass
class DirectEngine:
    """The named model with the client's own request body (every user turn guarded first)."""

    body: dict[str, Any]
    path: str = CHAT_PATH
    failure: OllamaError | None = None

    @property
    def requested(self) -> str:
        return str(self.body.get("model") or "")

    @property
    def generate(self) -> bool:
        return self.path == GENERATE_PATH

    def _guard(self) -> GuardResult:
        if self.generate:
            return guard_prompt(str(self.body.get("prompt") or ""))
        return guard_messages(list(self.body.get("messages") or []))

    def _body(self, *, stream: bool) -> dict[str, Any]:
        return {**self.body, "stream": stream}

    def _refusal(self, guard: GuardResult) -> NativeAnswer:
        final = native_chunk(self.requested, guard.refusal, generate=self.generate, done=True)
        return NativeAnswer(
            response=guard.refusal,
            model=self.requested,
            is_blocked=True,
            block_reason=guard.reason,
            outcome=Outcome.BLOCKED,
            final=final,
        )

    def _answer(self, final: dict[str, Any], text: str, raw: bytes | None = None) -> NativeAnswer:
        return NativeAnswer(
            response=text,
            model=str(final.get("model") or self.requested),
            prompt_tokens=int(final.get("prompt_eval_count") or 0),
            completion_tokens=int(final.get("eval_count") or 0),
            compute_seconds=compute_seconds_of(final),
            final=final,
            raw=raw,
        )

    async def run(self, turn: Turn) -> Answer:
        guard = self._guard()
        if guard.blocked:
            return self._refusal(guard)
        try:
            final = await passthrough.request_json("POST", self.path, self._body(stream=False))
        except OllamaError as exc:
            self.failure = exc
            raise
        final = final if isinstance(final, dict) else {}
        return self._answer(final, chunk_text(final))

    async def stream(self, turn: Turn) -> AsyncIterator[AgentMeta | AgentToken | Answer]:
        # Named first, so an answer cut short is still recorded against its model.
        yield AgentMeta(intent="", complexity="", model=self.requested, confidence=0.0)
        guard = self._guard()
        if guard.blocked:
            yield self._refusal(guard)
            return
        parts: list[str] = []
        try:
            async with passthrough.stream_lines(self.path, self._body(stream=True)) as lines:
                async for line in lines:
                    text = chunk_text(line.data)
                    if line.data.get("done") is True:
                        yield self._answer(line.data, "".join(parts) + text, line.raw)
                        return
                    parts.append(text)
                    yield NativeToken(text, data=line.data, raw=line.raw)
        except OllamaError as exc:
            self.failure = exc
            raise
        self.failure = OllamaUnreachable(f"{self.requested} ended its answer without a final chunk")
        raise self.failure


@dataclass
class EmbedEngine:
    """Embeddings through the turn: the vectors stay here, the ledger gets the tokens."""

    body: dict[str, Any]
    path: str = "/api/embed"
    failure: OllamaError | None = None
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def requested(self) -> str:
        return str(self.body.get("model") or "")

    async def run(self, turn: Turn) -> Answer:
        try:
            data = await passthrough.request_json("POST", self.path, self.body)
        except OllamaError as exc:
            self.failure = exc
            raise
        self.result = data if isinstance(data, dict) else {}
        return Answer(
            response="",
            model=self.requested,
            prompt_tokens=int(self.result.get("prompt_eval_count") or 0),
            compute_seconds=compute_seconds_of(self.result),  # an embedding's is its total
        )

    async def stream(self, turn: Turn) -> AsyncIterator[Answer]:
        yield await self.run(turn)
