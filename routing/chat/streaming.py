"""The SSE body of `/api/chat/stream`: the turn's events as server-sent events.

meta (once routing is known), token (each chunk as Ollama produces it), done (the
ChatResponse) or error, and comment heartbeats while the model is silent. A cached
answer is replayed the way a live one would be streamed. The turn stores and bills
everything; this module only shapes bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from routing.agent.runner import AgentMeta, AgentToken
from routing.answer import Answer
from routing.chat.serializers import chat_response_body
from routing.chat.turn import HEARTBEAT, AgentEngine, Turn, TurnFailure, turn_events

OPENED = b": stream open\n\n"
KEEP_ALIVE = b": keep-alive\n\n"


def sse_event(name: str, data: Any) -> bytes:
    """One `event:` + `data:` block; JSON keeps the data on one line."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {name}\ndata: {payload}\n\n".encode()


async def chat_stream(turn: Turn) -> AsyncIterator[bytes]:
    """The SSE body of an admitted turn."""
    yield OPENED
    announced = False
    async for item in turn_events(turn, AgentEngine()):
        if item is HEARTBEAT:
            yield KEEP_ALIVE
        elif isinstance(item, AgentMeta):
            announced = True
            yield _meta_event(turn, item)
        elif isinstance(item, AgentToken):
            yield sse_event("token", {"content": item.content})
        elif isinstance(item, Answer):
            # A blocked query (and a cache hit) has no meta from the agent: send it first.
            if not announced:
                yield _meta_event(turn, item)
            if turn.cached is not None:
                for piece in re.findall(r"\s*\S+|\s+", item.response):
                    yield sse_event("token", {"content": piece})
            yield sse_event("done", chat_response_body(turn, item))
        elif isinstance(item, TurnFailure):
            yield sse_event("error", {"code": item.code, "message": item.message})


def _meta_event(turn: Turn, meta: AgentMeta | Answer) -> bytes:
    return sse_event(
        "meta",
        {
            "conversation_id": str(turn.conversation.pk),
            "intent": meta.intent,
            "complexity": meta.complexity,
            "model": meta.model,
            "confidence": meta.confidence,
            "router": meta.router,
        },
    )
