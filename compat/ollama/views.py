"""`/ollama/api/chat`, `/generate`, `/embed`, `/embeddings`: Ollama's model calls over the
one chat turn.

Explicit models get the client's body forwarded unchanged and Ollama's own bytes back,
line by line as they are produced; `auto` runs the agent and answers in Ollama's shapes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from rest_framework.request import Request
from rest_framework.response import Response

from compat.engine import (
    AUTO,
    GENERATE_PATH,
    AutoEngine,
    DirectEngine,
    EmbedEngine,
    NativeAnswer,
    NativeToken,
    final_of,
    native_chunk,
)
from compat.ollama import translate
from compat.ollama.base import OllamaApiView, ollama_error
from compat.ollama.schema import chat_schema, embed_schema, embeddings_schema, generate_schema
from compat.ollama.schemas import ChatRequest, EmbeddingsRequest, EmbedRequest, GenerateRequest
from compat.turns import FailureMap, answer_events, answer_whole
from compat.views import parse_body, read_json, stream_response
from core.errors import LlmUnavailable
from core.request_context import current_request_id
from routing.agent.runner import AgentMeta, AgentToken
from routing.answer import Answer
from routing.chat.turn import HEARTBEAT, Turn, TurnEvent, TurnFailure

logger = logging.getLogger(__name__)
NDJSON = "application/x-ndjson"


def failure_for(model: str) -> FailureMap:
    return lambda exc: ollama_error(exc, model=model) if exc else LlmUnavailable()


def _line_for(item: TurnEvent, model: str, *, generate: bool, streamed: bool) -> bytes | None:
    """The NDJSON line for one turn event: Ollama's own bytes when it sent them."""
    if isinstance(item, NativeToken):
        return item.raw or translate.line(item.data)
    if isinstance(item, AgentToken):
        return translate.line(native_chunk(model, item.content, generate=generate, done=False))
    if isinstance(item, NativeAnswer) and item.raw:
        return item.raw
    if isinstance(item, Answer):
        # A refusal or a fallback arrives whole, with no tokens before it.
        return translate.line(
            final_of(item, text="" if streamed else item.response, generate=generate)
        )
    return None


async def _ndjson(events: AsyncIterator[TurnEvent], *, generate: bool) -> AsyncIterator[bytes]:
    model, streamed = AUTO, False
    try:
        async for item in events:
            if isinstance(item, AgentMeta):
                model = item.model or model
            elif isinstance(item, TurnFailure):
                # Ollama's convention once the status is sent: one `{"error"}` line, then close.
                body = translate.error_body(
                    item.message, code=item.code, request_id=current_request_id()
                )
                yield translate.line(body)
                return
            elif item is not HEARTBEAT:  # a blank line would break Ollama's clients
                line = _line_for(item, model, generate=generate, streamed=streamed)
                streamed = streamed or (isinstance(item, AgentToken) and bool(item.content))
                if line:
                    yield line
    finally:
        await events.aclose()


async def answer(turn: Turn, engine, *, stream: bool, generate: bool = False):
    failed = failure_for(engine.requested)
    if stream:
        events = await answer_events(turn, engine, failed)
        return stream_response(_ndjson(events, generate=generate), NDJSON)
    whole = await answer_whole(turn, engine, failed)
    return Response(final_of(whole, text=whole.response, generate=generate))


def num_predict(request: Request) -> int | None:
    """The request's own completion cap (`options.num_predict`), which sizes its budget
    reservation; -1 (Ollama's "no cap") and junk count as none."""
    options = read_json(request).get("options")
    value = options.get("num_predict") if isinstance(options, dict) else None
    return value if type(value) is int and value > 0 else None


class ChatApi(OllamaApiView):
    @chat_schema
    async def post(self, request: Request):
        body = parse_body(request, ChatRequest)
        engine = AutoEngine() if body.model == AUTO else DirectEngine(dict(read_json(request)))
        turn = await self.open_turn(
            request,
            [m.model_dump(exclude_none=True) for m in body.messages],
            model=body.model,
            max_tokens=num_predict(request),
        )
        return await answer(turn, engine, stream=body.stream is not False)


class GenerateApi(OllamaApiView):
    @generate_schema
    async def post(self, request: Request):
        body = parse_body(request, GenerateRequest)
        if body.model == AUTO:
            engine = AutoEngine()
        else:
            engine = DirectEngine(dict(read_json(request)), path=GENERATE_PATH)
        turn = await self.open_turn(
            request,
            [{"role": "user", "content": body.prompt or ""}],
            model=body.model,
            max_tokens=num_predict(request),
        )
        return await answer(turn, engine, stream=body.stream is not False, generate=True)


class EmbedApi(OllamaApiView):
    path = "/api/embed"
    request_model: type = EmbedRequest

    @embed_schema
    async def post(self, request: Request):
        body = parse_body(request, self.request_model)
        engine = EmbedEngine(dict(read_json(request)), path=self.path)
        turn = await self.open_turn(request, [], model=body.model)
        await answer_whole(turn, engine, failure_for(body.model))
        return Response(engine.result)


class EmbeddingsApi(EmbedApi):
    path = "/api/embeddings"
    request_model = EmbeddingsRequest

    @embeddings_schema
    async def post(self, request: Request):
        return await super().post(request)
