"""The aiohttp application: route table, request log and gin's 404/405 bodies."""

from __future__ import annotations

import json
import logging
import time

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from . import embed, handlers
from .classify import is_classifier_schema
from .pull import pull
from .state import RecordedRequest, ServerState
from .wire import error_response, plain_text

logger = logging.getLogger("ollama_testserver.requests")


def _record(request: web.Request, raw: bytes) -> RecordedRequest:
    try:
        body = json.loads(raw) if raw.strip() else None
    except ValueError:
        body = None
    return RecordedRequest(
        path=request.path,
        method=request.method,
        body=body if isinstance(body, dict) else None,
        headers=CIMultiDictProxy(CIMultiDict(request.headers)),
        received_at=time.monotonic(),
    )


def describe(record: RecordedRequest) -> str:
    """One line for the request log: method, path, model and what kind of call it is."""
    body = record.body or {}
    kind = ""
    if is_classifier_schema(body.get("format")):
        kind = " [classifier]"
    elif body.get("format"):
        kind = " [structured]"
    elif body.get("tools"):
        kind = " [tools]"
    model = f" {body['model']}" if isinstance(body.get("model"), str) else ""
    return f"{record.method} {record.path}{model}{kind}"


@web.middleware
async def gin_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Log every request on arrival, and answer unknown routes with gin's plain bodies."""
    record = _record(request, await request.read())
    state = request.app[handlers.STATE]
    state.record(record)
    logger.info("%s", describe(record))
    failure = state.take_failure(request.path)
    if failure is not None:
        return error_response(*failure)
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return plain_text(404, "404 page not found")
    except web.HTTPMethodNotAllowed:
        return plain_text(405, "405 method not allowed")


def build_app(state: ServerState) -> web.Application:
    app = web.Application(middlewares=[gin_middleware], client_max_size=64 * 1024 * 1024)
    app[handlers.STATE] = state
    app.router.add_post("/api/chat", handlers.chat)
    app.router.add_post("/api/generate", handlers.generate)
    app.router.add_post("/api/show", handlers.show)
    app.router.add_post("/api/embed", embed.embed)
    app.router.add_post("/api/embeddings", embed.embeddings)
    app.router.add_post("/api/pull", pull)
    app.router.add_get("/api/tags", handlers.tags)
    app.router.add_get("/api/ps", handlers.ps)
    app.router.add_get("/api/version", handlers.version)
    app.router.add_get("/", handlers.root)
    return app
