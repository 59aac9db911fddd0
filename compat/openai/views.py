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

from compat import service
from compat.engine import AUTO, Chunk, DirectEngine, Engine, agent_engine_for_messages
from compat.errors import (
    STREAM_ERRORS,
    UPSTREAM_ERRORS,
    model_not_found,
    stream_failure,
    upstream_error,
)
from compat.openai import translate
from compat.openai.schema import chat_schema, embeddings_schema, model_schema, models_schema
from compat.openai.schemas import ChatCompletionRequest, EmbeddingRequest
from compat.service import StatelessTurn
from compat.views import CompatApiView, InvalidRequest, parse_body, stream_response
from core.errors import LlmUnavailable
from routing.ollama import passthrough
from routing.ollama.admin import same_model

logger = logging.getLogger(__name__)
API = "openai"
OWNER = "llm-gateway"


async def run_turn(turn: StatelessTurn, engine: Engine) -> AsyncIterator[Chunk]:
    """The one call into the chat turn (errors before any answer become HTTP errors)."""
    try:
        return await turn.answer(engine)
    except UPSTREAM_ERRORS as exc:
        raise upstream_error(exc, model=engine.requested) from None


def engine_for(request: ChatCompletionRequest) -> Engine:
    if request.model == AUTO:
        turns = [m.model_dump(exclude_none=True) for m in request.messages]
        return agent_engine_for_messages(turns, stream=bool(request.stream))
    try:
        return DirectEngine(translate.chat_body(request))
    except translate.TranslationError as exc:
        raise InvalidRequest(str(exc)) from None


def _sse(data: dict | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {payload}\n\n".encode()


async def _event_stream(
    chunks: AsyncIterator[Chunk], translator: translate.ChunkTranslator
) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            for out in translator.translate(chunk.data, blocked=chunk.blocked):
                yield _sse(out)
        yield _sse("[DONE]")
    except STREAM_ERRORS as exc:
        # The status is gone; OpenAI's servers (and the SDK) use an `error` event.
        logger.warning("the stream failed midway: %s", exc)
        error = stream_failure(exc, model=translator.model)
        yield _sse(
            {
                "error": {
                    "message": str(error.detail),
                    "type": "server_error",
                    "code": error.default_code,
                }
            }
        )
    finally:
        await chunks.aclose()


class ChatCompletionsApi(CompatApiView):
    api = API

    @chat_schema
    async def post(self, request: Request):
        body = parse_body(request, ChatCompletionRequest)
        engine = engine_for(body)
        turn = await self.open_turn(request)
        chunks = await run_turn(turn, engine)
        if body.stream:
            include_usage = bool(body.stream_options and body.stream_options.include_usage)
            translator = translate.ChunkTranslator(model=body.model, include_usage=include_usage)
            return stream_response(_event_stream(chunks, translator), "text/event-stream")
        final = None
        async for chunk in chunks:
            final = chunk
        model = final.data.get("model") or body.model
        return Response(translate.completion(final.data, model=model, blocked=final.blocked))


class EmbeddingsApi(CompatApiView):
    api = API

    @embeddings_schema
    async def post(self, request: Request):
        body = parse_body(request, EmbeddingRequest)
        turn = await self.open_turn(request)
        try:
            native = await service.turn_embed(turn, translate.embed_body(body), path="/api/embed")
        except UPSTREAM_ERRORS as exc:
            raise upstream_error(exc, model=body.model) from None
        return Response(translate.embeddings(native, body))


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


class ModelsApi(CompatApiView):
    api = API

    @models_schema
    async def get(self, request: Request):
        return Response({"object": "list", "data": await model_list()})


class ModelDetailApi(CompatApiView):
    api = API

    @model_schema
    async def get(self, request: Request, model: str):
        for entry in await model_list():
            if entry["id"] == model or (model != AUTO and same_model(entry["id"], model)):
                return Response(entry)
        raise model_not_found(model)
