"""What answers a stateless turn: the agent for model "auto", the named model otherwise.

Both engines speak Ollama's native chunk shapes (`/api/chat` or `/api/generate`), so the
/ollama adapter forwards them and the /v1 adapter translates them. A non-streamed request
gets one chunk, the final one, holding the whole answer (as Ollama answers `stream:
false`). After the final chunk, `usage()` tells the ledger what the turn cost.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from compat.guard import GuardResult, guard_messages, guard_prompt, message_text
from routing.agent.runner import AgentMeta, AgentResult, AgentToken, run_agent, stream_agent
from routing.ollama import passthrough

AUTO = "auto"
CHAT_PATH = "/api/chat"
GENERATE_PATH = "/api/generate"
_DURATIONS = ("load_duration", "prompt_eval_duration", "eval_duration")


@dataclass(frozen=True)
class Chunk:
    """One native chunk: `data` as Ollama shapes it, `raw` the bytes Ollama sent (if it did)."""

    data: dict[str, Any]
    raw: bytes | None = None
    blocked: bool = False  # the input guard refused the request; `data` holds the refusal

    @property
    def done(self) -> bool:
        return self.data.get("done") is True


@dataclass(frozen=True)
class Usage:
    """What the ledger records for the turn."""

    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    compute_seconds: float = 0.0
    intent: str = ""
    outcome: str = "ok"  # ok | blocked | fallback


class Engine(Protocol):
    model: str  # the model answering (for `auto`, known once the agent has routed)
    requested: str  # the model the client asked for

    def chunks(self) -> AsyncIterator[Chunk]: ...

    def usage(self, final: Chunk | None) -> Usage: ...


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


def _refusal(model: str, guard: GuardResult, *, generate: bool) -> Chunk:
    return Chunk(native_chunk(model, guard.refusal, generate=generate, done=True), blocked=True)


@dataclass
class DirectEngine:
    """The named model with the client's own request body (guarded first)."""

    body: dict[str, Any]
    path: str = CHAT_PATH
    blocked: bool = False

    @property
    def model(self) -> str:
        return str(self.body.get("model") or "")

    @property
    def requested(self) -> str:
        return self.model

    @property
    def generate(self) -> bool:
        return self.path == GENERATE_PATH

    async def chunks(self) -> AsyncIterator[Chunk]:
        if self.generate:
            guard = guard_prompt(str(self.body.get("prompt") or ""))
        else:
            guard = guard_messages(list(self.body.get("messages") or []))
        if guard.blocked:
            self.blocked = True
            yield _refusal(self.model, guard, generate=self.generate)
            return
        body = self.body
        if guard.dropped:
            body = {**body, "messages": guard.messages}
        async with passthrough.stream_lines(self.path, body) as lines:
            async for line in lines:
                yield Chunk(line.data, line.raw)

    def usage(self, final: Chunk | None) -> Usage:
        if self.blocked:
            return Usage(model=self.model, outcome="blocked")
        data = final.data if final is not None else {}
        return Usage(
            model=str(data.get("model") or self.model),
            prompt_tokens=int(data.get("prompt_eval_count") or 0),
            completion_tokens=int(data.get("eval_count") or 0),
            compute_seconds=sum(int(data.get(k) or 0) for k in _DURATIONS) / 1e9,
        )


@dataclass
class AgentEngine:
    """The LangGraph agent (guard, classifier, specialist agents, output guard)."""

    query: str
    history: list[dict[str, Any]]
    stream: bool = True
    generate: bool = False
    model: str = AUTO
    requested: str = AUTO
    result: AgentResult | None = None
    _started: float = field(default_factory=time.perf_counter)

    async def chunks(self) -> AsyncIterator[Chunk]:
        if not self.stream:
            self.result = await run_agent(self.query, self.history)
            yield self._final(self.result.response)
            return
        sent = False
        async for item in stream_agent(self.query, self.history):
            if isinstance(item, AgentMeta):
                self.model = item.model or AUTO
            elif isinstance(item, AgentToken):
                if item.content:
                    sent = True
                    yield Chunk(
                        native_chunk(self.model, item.content, generate=self.generate, done=False)
                    )
            elif isinstance(item, AgentResult):
                self.result = item
                # A refusal or a cached fallback arrives whole, with no tokens before it.
                yield self._final("" if sent else item.response)

    def _final(self, text: str) -> Chunk:
        result = self.result
        assert result is not None
        self.model = result.model or self.model
        counts = {
            "total_duration": round((time.perf_counter() - self._started) * 1e9),
            "prompt_eval_count": result.prompt_tokens,
            "eval_count": result.completion_tokens,
        }
        counts = {k: v for k, v in counts.items() if v}  # Ollama omits zero metrics
        data = native_chunk(self.model, text, generate=self.generate, done=True, extra=counts)
        return Chunk(data, blocked=result.is_blocked)

    def usage(self, final: Chunk | None) -> Usage:
        result = self.result
        if result is None:
            return Usage(model=self.model if self.model != AUTO else "")
        return Usage(
            model=result.model,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            intent=result.intent,
            outcome=result.outcome,
        )


def agent_engine_for_messages(messages: list[dict[str, Any]], *, stream: bool) -> AgentEngine:
    """The agent on the last user turn, the earlier user/assistant turns as history."""
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    query = message_text(messages[last_user]) if last_user is not None else ""
    history = [
        {"role": m.get("role"), "content": message_text(m)}
        for m in messages[: last_user or 0]
        if m.get("role") in ("user", "assistant")
    ]
    return AgentEngine(query=query, history=history, stream=stream)
