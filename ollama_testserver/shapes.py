"""Response objects of /api/chat and /api/generate, keys in Go struct order.

Intermediate chunks carry no counts; the final chunk (or the single non-streaming object)
carries `done_reason` after `done`, then the metrics with Go's `omitempty` (zeros dropped).
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field
from typing import Any

from .wire import utc_timestamp

_ID_ALPHABET = string.ascii_lowercase + string.digits


@dataclass
class Delta:
    """What one chunk adds to the answer."""

    content: str = ""
    thinking: str = ""
    tool_calls: list[dict] = field(default_factory=list)

    @classmethod
    def joined(cls, deltas: list[Delta]) -> Delta:
        return cls(
            content="".join(d.content for d in deltas),
            thinking="".join(d.thinking for d in deltas),
            tool_calls=[call for d in deltas for call in d.tool_calls],
        )


@dataclass
class Metrics:
    prompt_eval_count: int
    eval_count: int
    total_duration: int
    load_duration: int
    prompt_eval_duration: int
    eval_duration: int

    def as_wire(self) -> dict[str, int]:
        ordered = {
            "total_duration": self.total_duration,
            "load_duration": self.load_duration,
            "prompt_eval_count": self.prompt_eval_count,
            "prompt_eval_duration": self.prompt_eval_duration,
            "eval_count": self.eval_count,
            "eval_duration": self.eval_duration,
        }
        return {key: value for key, value in ordered.items() if value}


def wire_tool_calls(calls: list[dict]) -> list[dict]:
    """`[{"name", "arguments"}]` (or OpenAI-style `{"function": {...}}`) as Ollama sends them."""
    wired = []
    for index, call in enumerate(calls):
        function = call.get("function", call)
        arguments = function.get("arguments") or {}
        if isinstance(arguments, str):  # Ollama always sends an object
            arguments = json.loads(arguments)
        call_id = call.get("id") or "call_" + "".join(random.choices(_ID_ALPHABET, k=8))
        wired.append(
            {
                "id": call_id,
                "function": {"index": index, "name": function["name"], "arguments": arguments},
            }
        )
    return wired


def _message(delta: Delta) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": delta.content}
    if delta.thinking:
        message["thinking"] = delta.thinking
    if delta.tool_calls:
        message["tool_calls"] = delta.tool_calls
    return message


class ChatShape:
    """`api.ChatResponse`."""

    @staticmethod
    def chunk(model: str, delta: Delta) -> dict[str, Any]:
        return {
            "model": model,
            "created_at": utc_timestamp(),
            "message": _message(delta),
            "done": False,
        }

    @staticmethod
    def final(model: str, done_reason: str, metrics: Metrics | None, full: Delta) -> dict:
        obj = {
            "model": model,
            "created_at": utc_timestamp(),
            "message": _message(full),
            "done": True,
            "done_reason": done_reason,
        }
        return {**obj, **(metrics.as_wire() if metrics else {})}


class GenerateShape:
    """`api.GenerateResponse` (tool calls are not scripted for /api/generate)."""

    @staticmethod
    def chunk(model: str, delta: Delta) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "model": model,
            "created_at": utc_timestamp(),
            "response": delta.content,
        }
        if delta.thinking:
            obj["thinking"] = delta.thinking
        obj["done"] = False
        return obj

    @staticmethod
    def final(model: str, done_reason: str, metrics: Metrics | None, full: Delta) -> dict:
        obj = GenerateShape.chunk(model, Delta(content=full.content, thinking=full.thinking))
        obj["done"] = True
        obj["done_reason"] = done_reason
        if metrics:
            # The token context of the exchange, as the (deprecated) `context` field carries.
            obj["context"] = list(range(1, metrics.prompt_eval_count + metrics.eval_count + 1))
            obj.update(metrics.as_wire())
        return obj
