"""Request id, per-request log context and the one access-log line per request."""

from __future__ import annotations

import logging
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.request_context import (
    accept_or_generate_request_id,
    bind_request,
    current_facts,
    current_user_id,
)

access_log = logging.getLogger("llmgateway.access")


class HybridMiddleware:
    """Base for middleware that runs natively in both sync and async stacks.

    Django keeps a stack async only when every middleware is async-capable; one that is not
    pushes async views into a worker thread. Subclasses implement `handle` (sync) and
    `ahandle` (async).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if iscoroutinefunction(self):
            return self.ahandle(request)
        return self.handle(request)

    def handle(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError


class RequestContextMiddleware(HybridMiddleware):
    """Outermost middleware: binds the request id, stamps X-Request-ID, logs the request."""

    def handle(self, request: HttpRequest) -> HttpResponse:
        started = self._begin(request)
        response = self.get_response(request)
        return self._finish(request, response, started)

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        started = self._begin(request)
        response = await self.get_response(request)
        return self._finish(request, response, started)

    @staticmethod
    def _begin(request: HttpRequest) -> float:
        request_id = accept_or_generate_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        bind_request(request_id)
        return time.perf_counter()

    @staticmethod
    def _finish(request: HttpRequest, response: HttpResponse, started: float) -> HttpResponse:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        response["X-Request-ID"] = request.request_id
        # What XFrameOptionsMiddleware would add, without its thread hop.
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        access_log.info(
            "%s %s %s %dms",
            request.method,
            request.path,
            response.status_code,
            round(duration_ms),
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": current_user_id(),
                "cached": current_facts().cached,
            },
        )
        return response
