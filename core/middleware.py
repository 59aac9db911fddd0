"""Request id, per-request log context and the one access-log line per request.

The outermost middleware also holds two rules every endpoint must keep (SPEC section 6):
a Host outside ALLOWED_HOSTS is refused before any view runs (Django itself checks it only
where something calls `get_host()`), and a 404/405 that Django answered on its own — its
HTML debug page with DEBUG on, an empty 405 — leaves in the one error envelope. An API
path is served in either slash form (`/api/chat` and `/api/chat/`): the other form is
routed internally rather than redirected, so a POST keeps its body.
"""

from __future__ import annotations

import logging
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import get_urlconf, is_valid_path

from core.errors import error_json_response
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
        response = self._refuse_host(request) or self.get_response(request)
        return self._finish(request, response, started)

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        started = self._begin(request)
        response = self._refuse_host(request) or await self.get_response(request)
        return self._finish(request, response, started)

    @staticmethod
    def _refuse_host(request: HttpRequest) -> HttpResponse | None:
        try:
            request.get_host()
        except DisallowedHost:
            return error_json_response(
                400, "disallowed_host", "This host name is not served by this gateway."
            )
        return None

    @staticmethod
    def _begin(request: HttpRequest) -> float:
        request_id = accept_or_generate_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        bind_request(request_id)
        _route_either_slash(request)
        return time.perf_counter()

    @staticmethod
    def _finish(request: HttpRequest, response: HttpResponse, started: float) -> HttpResponse:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        response = _in_envelope(response)
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


API_PREFIX = "/api/"


def _route_either_slash(request: HttpRequest) -> None:
    """Route `/api/x/` to `/api/x` (or the reverse) when only the other form exists."""
    path = request.path_info
    if not path.startswith(API_PREFIX) or path == API_PREFIX:
        return
    urlconf = getattr(request, "urlconf", None) or get_urlconf()
    if is_valid_path(path, urlconf):
        return
    other = path[:-1] if path.endswith("/") else f"{path}/"
    if is_valid_path(other, urlconf):
        request.path_info = other


_ENVELOPED = {
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
}


def _in_envelope(response: HttpResponse) -> HttpResponse:
    """A 404/405 Django answered itself (not JSON) replaced by the envelope, Allow kept."""
    if response.status_code not in _ENVELOPED or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    code, message = _ENVELOPED[response.status_code]
    headers = {"Allow": response["Allow"]} if response.has_header("Allow") else None
    return error_json_response(response.status_code, code, message, headers=headers)
