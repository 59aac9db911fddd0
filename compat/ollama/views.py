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
from compat.errors import UPSTREAM_ERRORS
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
from compat.turns import FailureMap, answer_events, answer_whole
from compat.views import CompatApiView, parse_body, read_json, stream_response
from core.errors import GatewayError, LlmUnavailable, api_exception_handler
from core.request_context import current_request_id
from routing.agent.runner import AgentMeta, AgentToken
from routing.answer import Answer
from routing.chat.turn import HEARTBEAT, Turn, TurnEvent, TurnFailure
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


class ChatApi(OllamaApiView):
    @chat_schema
    async def post(self, request: Request):
        body = parse_body(request, ChatRequest)
        engine = AutoEngine() if body.model == AUTO else DirectEngine(dict(read_json(request)))
        turn = await self.open_turn(
            request, [m.model_dump(exclude_none=True) for m in body.messages]
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
        turn = await self.open_turn(request, [{"role": "user", "content": body.prompt or ""}])
        return await answer(turn, engine, stream=body.stream is not False, generate=True)


class EmbedApi(OllamaApiView):
    path = "/api/embed"
    request_model: type = EmbedRequest

    @embed_schema
    async def post(self, request: Request):
        body = parse_body(request, self.request_model)
        engine = EmbedEngine(dict(read_json(request)), path=self.path)
        turn = await self.open_turn(request, [])
        await answer_whole(turn, engine, failure_for(body.model))
        return Response(engine.result)


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
