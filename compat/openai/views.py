"""`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`: thin views over the one turn.

Each view parses the typed request, builds the engine (the agent for "auto", the named
model otherwise), runs the turn and shapes the answer with `compat.openai.translate`.
Errors leave in the project's envelope, whose `error.message` the openai SDK reads.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from django.conf import settings
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scopes import models_allowed
from compat.engine import (
    AUTO,
    AutoEngine,
    DirectEngine,
    EmbedEngine,
    NativeToken,
    final_of,
    native_chunk,
)
from compat.errors import UPSTREAM_ERRORS, model_not_found, upstream_error
from compat.openai import translate
from compat.openai.schema import chat_schema, embeddings_schema, model_schema, models_schema
from compat.openai.schemas import ChatCompletionRequest, EmbeddingRequest
from compat.turns import FailureMap, answer_events, answer_whole
from compat.views import CompatApiView, InvalidRequest, parse_body, stream_response
from core.errors import LlmUnavailable
from routing.agent.runner import AgentMeta, AgentToken
from routing.answer import Answer
from routing.chat.turn import HEARTBEAT, TurnEvent, TurnFailure
from routing.ollama import passthrough
from routing.ollama.admin import same_model

logger = logging.getLogger(__name__)
API = "openai"
OWNER = "llm-gateway"


def failure_for(model: str) -> FailureMap:
    """An unknown model is a 404 naming it; anything else is 503 (always, for auto)."""
    return lambda exc: upstream_error(exc, model=model) if exc else LlmUnavailable()


def engine_for(request: ChatCompletionRequest):
    if request.model == AUTO:
        return AutoEngine()
    try:
        return DirectEngine(translate.chat_body(request))
    except translate.TranslationError as exc:
        raise InvalidRequest(str(exc)) from None


def _sse(data: dict | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {payload}\n\n".encode()


def _chunks_for(item: TurnEvent, translator: translate.ChunkTranslator, *, streamed: bool):
    """The chat.completion.chunks for one turn event (None: the event is not answer text)."""
    if isinstance(item, NativeToken):
        return translator.translate(item.data)
    if isinstance(item, AgentToken):
        chunk = native_chunk(translator.model, item.content, generate=False, done=False)
        return translator.translate(chunk)
    if isinstance(item, Answer):
        # A refusal or a fallback arrives whole, with no tokens before it.
        final = final_of(item, text="" if streamed else item.response)
        return translator.translate(final, blocked=item.is_blocked)
    return None


async def _event_stream(
    events: AsyncIterator[TurnEvent], translator: translate.ChunkTranslator
) -> AsyncIterator[bytes]:
    streamed = False
    try:
        async for item in events:
            if item is HEARTBEAT:
                yield b": keep-alive\n\n"
            elif isinstance(item, AgentMeta):
                translator.model = item.model or translator.model
            elif isinstance(item, TurnFailure):
                # The status is gone; OpenAI's servers (and the SDK) use an `error` event.
                error = {"message": item.message, "type": "server_error", "code": item.code}
                yield _sse({"error": error})
                return
            else:
                for out in _chunks_for(item, translator, streamed=streamed) or []:
                    streamed = streamed or bool(
                        out["choices"] and out["choices"][0]["delta"].get("content")
                    )
                    yield _sse(out)
        yield _sse("[DONE]")
    finally:
        await events.aclose()


class ChatCompletionsApi(CompatApiView):
    api = API

    @chat_schema
    async def post(self, request: Request):
        body = parse_body(request, ChatCompletionRequest)
        engine = engine_for(body)
        turn = await self.open_turn(
            request,
            [m.model_dump(exclude_none=True) for m in body.messages],
            model=body.model,
            max_tokens=body.max_completion_tokens or body.max_tokens,
        )
        failed = failure_for(body.model)
        if body.stream:
            include_usage = bool(body.stream_options and body.stream_options.include_usage)
            translator = translate.ChunkTranslator(model=body.model, include_usage=include_usage)
            events = await answer_events(turn, engine, failed)
            return stream_response(_event_stream(events, translator), "text/event-stream")
        answer = await answer_whole(turn, engine, failed)
        final = final_of(answer, text=answer.response)
        model = answer.model or body.model
        return Response(translate.completion(final, model=model, blocked=answer.is_blocked))


class EmbeddingsApi(CompatApiView):
    api = API

    @embeddings_schema
    async def post(self, request: Request):
        body = parse_body(request, EmbeddingRequest)
        engine = EmbedEngine(translate.embed_body(body))
        turn = await self.open_turn(request, [], model=body.model)
        await answer_whole(turn, engine, failure_for(body.model))
        return Response(translate.embeddings(engine.result, body))


def _created(entry: dict) -> int:
    try:
        return int(datetime.fromisoformat(str(entry.get("modified_at"))).timestamp())
    except ValueError:
        return 0


async def model_list() -> list[dict]:
    """`auto`, the configured models, then every model Ollama serves (each once)."""
    try:
        served = await passthrough.served_models()
    except UPSTREAM_ERRORS:
        raise LlmUnavailable() from None
    entries = [translate.model_entry(AUTO, created=0, owned_by=OWNER)]
    names: list[str] = [AUTO]
    for name in (settings.MODEL_SIMPLE, settings.MODEL_COMPLEX):
        if not any(same_model(name, known) for known in names):
            names.append(name)
            entries.append(translate.model_entry(name, created=0, owned_by=OWNER))
    for entry in served:
        name = str(entry.get("model") or entry.get("name") or "")
        if name and not any(same_model(name, known) for known in names):
            names.append(name)
            entries.append(translate.model_entry(name, created=_created(entry), owned_by="ollama"))
    return entries


async def _model_list_for(request: Request) -> list[dict]:
    """The listing a scoped key may see: only the models it may use (accounts/scopes.py)."""
    entries = await model_list()
    allowed = set(models_allowed(request.auth, [entry["id"] for entry in entries]))
    return [entry for entry in entries if entry["id"] in allowed]


class ModelsApi(CompatApiView):
    api = API

    @models_schema
    async def get(self, request: Request):
        return Response({"object": "list", "data": await _model_list_for(request)})


class ModelDetailApi(CompatApiView):
    api = API

    @model_schema
    async def get(self, request: Request, model: str):
        for entry in await _model_list_for(request):
            if entry["id"] == model or (model != AUTO and same_model(entry["id"], model)):
                return Response(entry)
        raise model_not_found(model)
