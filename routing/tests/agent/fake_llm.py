"""A scripted chat model for unit tests, installed through `llm.set_model_factory`.

It behaves like ChatOllama where the agent cares: `bind_tools`, `format=` bindings,
streaming chunk by chunk (so `stream_mode="messages"` sees tokens), usage_metadata and
Ollama's `done` flag on the final chunk. Every call is recorded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

PROMPT_TOKENS = 10


@dataclass
class Call:
    """One model call as the fake saw it."""

    model: str
    messages: list[BaseMessage]
    kwargs: dict[str, Any]

    @property
    def query(self) -> str:
        humans = [m for m in self.messages if isinstance(m, HumanMessage)]
        return str(humans[-1].content) if humans else ""

    @property
    def system(self) -> str:
        return str(self.messages[0].content) if self.messages else ""

    @property
    def structured(self) -> bool:
        return "format" in self.kwargs

    @property
    def tool_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.kwargs.get("tools") or []]


Reply = str | AIMessage | BaseException | Callable[[Call], Any]


@dataclass
class Rule:
    reply: Reply
    when: Callable[[Call], bool]
    times: int | None


@dataclass
class Script:
    """Rules (newest first) deciding each reply; defaults mimic sensible model output."""

    rules: list[Rule] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    usage: list[tuple[int, int]] = field(default_factory=list)
    # Awaited before each reply: a test can hold calls open (concurrency, cancellation).
    gate: Callable[[Call], Awaitable[None]] | None = None
    # Awaited before each streamed chunk after the first: a test can stall a stream midway.
    chunk_gate: Callable[[Call, int], Awaitable[None]] | None = None

    def add(self, reply: Reply, *, model=None, when=None, times=None, structured=None) -> None:
        def matches(call: Call) -> bool:
            if model is not None and call.model != model:
                return False
            if structured is not None and call.structured != structured:
                return False
            if isinstance(when, str):
                return when.lower() in call.query.lower()
            return when(call) if when else True

        self.rules.insert(0, Rule(reply, matches, times))

    def pick(self, call: Call) -> AIMessage:
        self.calls.append(call)
        reply: Reply = default_reply
        for rule in self.rules:
            if rule.when(call):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
                reply = rule.reply
                break
        while callable(reply) and not isinstance(reply, BaseException | AIMessage):
            reply = reply(call)
        if isinstance(reply, BaseException):
            raise reply
        message = reply if isinstance(reply, AIMessage) else AIMessage(content=reply)
        completion = max(1, len(str(message.content).split()))
        self.usage.append((PROMPT_TOKENS, completion))
        return message.model_copy(
            update={
                "usage_metadata": {
                    "input_tokens": PROMPT_TOKENS,
                    "output_tokens": completion,
                    "total_tokens": PROMPT_TOKENS + completion,
                },
                "response_metadata": {"done": True, "model_name": call.model},
            }
        )

    @property
    def prompt_tokens(self) -> int:
        return sum(p for p, _ in self.usage)

    @property
    def completion_tokens(self) -> int:
        return sum(c for _, c in self.usage)


def default_reply(call: Call) -> str:
    schema = call.kwargs.get("format")
    if isinstance(schema, dict) and "intent" in schema.get("properties", {}):
        return json.dumps({"intent": "general", "confidence": 0.9, "complexity": "simple"})
    if isinstance(schema, dict) and "sub_questions" in schema.get("properties", {}):
        return json.dumps({"sub_questions": ["First part?", "Second part?"]})
    return f"Answer from {call.model} to: {call.query}"


class ScriptedChatModel(BaseChatModel):
    model: str
    script: Any = Field(repr=False)  # its call log grows; keep reprs small

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, **kwargs):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        raise NotImplementedError("the agent only calls models asynchronously")

    async def _reply(self, call: Call) -> AIMessage:
        if self.script.gate is not None:
            await self.script.gate(call)
        return self.script.pick(call)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        message = await self._reply(Call(self.model, list(messages), kwargs))
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _astream(
        self, messages, stop=None, run_manager=None, **kwargs
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = Call(self.model, list(messages), kwargs)
        message = await self._reply(call)
        words = str(message.content).split(" ")
        pieces = [w if i == 0 else " " + w for i, w in enumerate(words)] if message.content else []
        for index, piece in enumerate(pieces):
            await asyncio.sleep(0)
            if index and self.script.chunk_gate is not None:
                await self.script.chunk_gate(call, index)
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece, id=message.id))
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                id=message.id,
                tool_calls=message.tool_calls,
                usage_metadata=message.usage_metadata,
                response_metadata=message.response_metadata,
            ),
            generation_info=message.response_metadata,
        )
