"""The aiohttp application: route table, request log and gin's 404/405 bodies."""

from __future__ import annotations

import json
import time

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from . import embed, handlers
from .pull import pull
from .state import RecordedRequest, ServerState
from .wire import plain_text


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


@web.middleware
async def gin_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Log every request on arrival, and answer unknown routes with gin's plain bodies."""
    request.app[handlers.STATE].record(_record(request, await request.read()))
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
