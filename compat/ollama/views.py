"""`/ollama/...`: Ollama's API for Ollama clients (`host=<gateway>/ollama`, Bearer key).

Explicit models get the client's body forwarded unchanged and Ollama's own bytes back,
line by line as they are produced; `auto` runs the agent and answers in Ollama's shapes.
Errors are Ollama's `{"error": "..."}` (with `code` and `request_id` beside it), so the
ollama library raises `ResponseError` with the status.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from django.http import HttpResponse
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import IsAdminRole
from compat import service
from compat.engine import (
    AUTO,
    GENERATE_PATH,
    AgentEngine,
    Chunk,
    DirectEngine,
    Engine,
    agent_engine_for_messages,
)
from compat.errors import STREAM_ERRORS, UPSTREAM_ERRORS
from compat.ollama import translate
from compat.ollama.schema import (
    chat_schema,
    embed_schema,
    embeddings_schema,
    generate_schema,
    listing_schema,
    manage_schema,
    probe_schema,
    show_schema,
)
from compat.ollama.schemas import (
    ChatRequest,
    EmbeddingsRequest,
    EmbedRequest,
    GenerateRequest,
    ShowRequest,
)
from compat.service import StatelessTurn
from compat.views import CompatApiView, parse_body, read_json, stream_response
from core.errors import DatabaseUnavailable, GatewayError, LlmUnavailable, api_exception_handler
from core.request_context import current_request_id
from routing.ollama import passthrough
from routing.ollama.errors import OllamaResponseError

logger = logging.getLogger(__name__)
API = "ollama"
NDJSON = "application/x-ndjson"
RUNNING = "Ollama is running"


class OllamaAnswered(GatewayError):
    """Ollama's own refusal (unknown model, bad option), passed on with its status."""

    default_code = "ollama_error"

    def __init__(self, rejected: OllamaResponseError, status: int) -> None:
        super().__init__(str(rejected))
        self.status_code = status
        if status == 404:
            self.default_code = "model_not_found"


def ollama_error(exc: Exception, *, model: str = "") -> GatewayError:
    """Ollama's own refusal keeps its status and words; anything else is 503 (and `auto`'s
    failures are the gateway's own models failing, so 503 too)."""
    if isinstance(exc, OllamaResponseError) and exc.status and exc.status < 500 and model != AUTO:
        return OllamaAnswered(exc, exc.status)
    return LlmUnavailable()


def ollama_exception_handler(exc: Exception, context: dict) -> Response | None:
    """The project's handler, reshaped: Ollama clients read `error` as a string."""
    response = api_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        error = response.data.get("error") or {}
        response.data = translate.error_body(
            str(error.get("message", "")),
            code=str(error.get("code", "")),
            request_id=current_request_id(),
        )
    return response


class OllamaApiView(CompatApiView):
    api = API

    def get_exception_handler(self):
        return ollama_exception_handler


async def run_turn(turn: StatelessTurn, engine: Engine) -> AsyncIterator[Chunk]:
    """The one call into the chat turn (errors before any answer become HTTP errors)."""
    try:
        return await turn.answer(engine)
    except UPSTREAM_ERRORS as exc:
        raise ollama_error(exc, model=engine.requested) from None


async def _ndjson(chunks: AsyncIterator[Chunk]) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield chunk.raw if chunk.raw is not None else translate.line(chunk.data)
    except STREAM_ERRORS as exc:
        # Ollama's own convention once the status is sent: one `{"error"}` line, then close.
        logger.warning("the stream failed midway: %s", exc)
        error = ollama_error(exc) if isinstance(exc, UPSTREAM_ERRORS) else DatabaseUnavailable()
        yield translate.line(
            translate.error_body(
                str(error.detail), code=error.default_code, request_id=current_request_id()
            )
        )
    finally:
        await chunks.aclose()


async def answer(turn: StatelessTurn, engine: Engine, *, stream: bool):
    chunks = await run_turn(turn, engine)
    if stream:
        return stream_response(_ndjson(chunks), NDJSON)
    final = None
    async for chunk in chunks:
        final = chunk
    return Response(final.data)


class ChatApi(OllamaApiView):
    @chat_schema
    async def post(self, request: Request):
        body = parse_body(request, ChatRequest)
        stream = body.stream is not False
        if body.model == AUTO:
            turns = [m.model_dump(exclude_none=True) for m in body.messages]
            engine: Engine = agent_engine_for_messages(turns, stream=stream)
        else:
            engine = DirectEngine(dict(read_json(request)))
        return await answer(await self.open_turn(request), engine, stream=stream)


class GenerateApi(OllamaApiView):
    @generate_schema
    async def post(self, request: Request):
        body = parse_body(request, GenerateRequest)
        stream = body.stream is not False
        if body.model == AUTO:
            engine: Engine = AgentEngine(
                query=body.prompt or "", history=[], stream=stream, generate=True
            )
        else:
            engine = DirectEngine(dict(read_json(request)), path=GENERATE_PATH)
        return await answer(await self.open_turn(request), engine, stream=stream)


class EmbedApi(OllamaApiView):
    path = "/api/embed"
    request_model: type = EmbedRequest

    @embed_schema
    async def post(self, request: Request):
        parse_body(request, self.request_model)
        turn = await self.open_turn(request)
        try:
            return Response(
                await service.turn_embed(turn, dict(read_json(request)), path=self.path)
            )
        except UPSTREAM_ERRORS as exc:
            raise ollama_error(exc) from None


class EmbeddingsApi(EmbedApi):
    path = "/api/embeddings"
    request_model = EmbeddingsRequest

    @embeddings_schema
    async def post(self, request: Request):
        return await super().post(request)


async def _forward_json(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    try:
        return await passthrough.request_json(method, path, body, quick=True)
    except UPSTREAM_ERRORS as exc:
        raise ollama_error(exc) from None


class TagsApi(OllamaApiView):
    @listing_schema("ollama_tags", "The served models, with `auto` first")
    async def get(self, request: Request):
        try:
            served = await passthrough.served_models()
        except UPSTREAM_ERRORS as exc:
            raise ollama_error(exc) from None
        return Response(translate.tags(served))


class PsApi(OllamaApiView):
    @listing_schema("ollama_ps", "The models loaded in memory")
    async def get(self, request: Request):
        return Response(await _forward_json("GET", "/api/ps"))


class ShowApi(OllamaApiView):
    @show_schema
    async def post(self, request: Request):
        body = parse_body(request, ShowRequest)
        if body.target == AUTO:
            return Response(translate.auto_show())
        return Response(await _forward_json("POST", "/api/show", dict(read_json(request))))


class VersionApi(OllamaApiView):
    """Open, like Ollama's own: liveness probes carry no credentials."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @probe_schema
    async def get(self, request: Request):
        return Response(await _forward_json("GET", "/api/version"))


async def root(request) -> HttpResponse:
    """`GET /ollama/`: what Ollama answers on `/`, so clients see a live server."""
    return HttpResponse(RUNNING, content_type="text/plain; charset=utf-8")


class ManageApi(OllamaApiView):
    """Model management, for administrators only: nothing reaches Ollama for anyone else."""

    permission_classes = [IsAuthenticated, IsAdminRole]
    path = ""
    streams = False

    async def forward(self, request: Request, method: str):
        body = read_json(request)
        if self.streams and method == "POST":
            return await self._stream(dict(body), stream=body.get("stream") is not False)
        try:
            answered = await passthrough.request_raw(method, self.path, dict(body))
        except UPSTREAM_ERRORS as exc:
            raise ollama_error(exc) from None
        return HttpResponse(
            answered.content, status=answered.status, content_type=answered.content_type
        )

    async def _stream(self, body: dict[str, Any], *, stream: bool):
        context = passthrough.stream_lines(self.path, body)
        try:
            lines = await context.__aenter__()
        except UPSTREAM_ERRORS as exc:
            raise ollama_error(exc) from None

        async def relay() -> AsyncIterator[bytes]:
            try:
                async for item in lines:
                    yield item.raw
            except UPSTREAM_ERRORS as exc:
                yield translate.line(
                    translate.error_body(
                        str(exc), code="ollama_error", request_id=current_request_id()
                    )
                )
            finally:
                await context.__aexit__(None, None, None)

        if stream:
            return stream_response(relay(), NDJSON)
        last = b""
        async for raw in relay():
            last = raw
        return HttpResponse(last.rstrip(b"\n"), content_type="application/json; charset=utf-8")


def manage_view(path: str, method: str, *, streams: bool = False):
    async def handler(self, request: Request):
        return await self.forward(request, method)

    handler = manage_schema(path, method)(handler)
    attrs = {"path": path, "streams": streams, method.lower(): handler}
    return type(f"Manage{path.rsplit('/', 1)[-1].title()}Api", (ManageApi,), attrs).as_view()
