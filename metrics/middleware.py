"""Request metrics: time every request and record it in Redis in one pipelined round trip.

Runs in sync and async stacks (no thread hop for the async chat views; Django picks async
only when every middleware below is async-capable). Async requests use the async Redis
client and await the single pipeline (~0.2 ms on a local Redis), so the counts are in Redis
before the client sees the response. A streaming response (SSE) is recorded when it starts:
its duration is time to headers, not the life of the stream. Every request is recorded,
including /metrics and /api/metrics themselves (each under its own route, easy to filter);
a read is recorded after it has read, so it never counts itself.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from core.middleware import HybridMiddleware
from core.request_context import current_request_id
from metrics import store

UNMATCHED = "<unmatched>"
# Anything else a client invents would be a new label value each time.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_CONVERTER = re.compile(r"<(?:[^<>:]+:)?(\w+)>")


class RequestMetricsMiddleware(HybridMiddleware):
    """Counts, latency histograms and the slowest requests, shared by every process."""

    def handle(self, request: HttpRequest):
        started = time.perf_counter()
        response = self.get_response(request)
        store.write(_sample(request, response, started))
        return response

    async def ahandle(self, request: HttpRequest):
        started = time.perf_counter()
        # The chat turn's closing data (usage counters, budget settlement, cache entry)
        # rides in this request's one metrics write (store.awrite_data).
        pending = store.begin_request_write()
        try:
            response = await self.get_response(request)
        except BaseException:
            await store.end_request_write(pending, None)  # a cancelled request's data
            raise
        await store.end_request_write(pending, _sample(request, response, started))
        return response


def _sample(request: HttpRequest, response: HttpResponseBase, started: float) -> store.Fill:
    """The pipeline commands recording one finished (or, when streaming, started) request."""
    seconds = time.perf_counter() - started
    duration_ms = round(seconds * 1000, 1)
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    route = route_label(request)
    status = str(response.status_code)
    slow_entry = json.dumps(
        {
            "method": method,
            "path": route,
            "request_id": current_request_id(),
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        },
        separators=(",", ":"),
    )

    def fill(pipe) -> None:
        store.observe(
            pipe, store.HTTP_LATENCY, (method, route, status), seconds, store.HTTP_BUCKETS
        )
        # Keep only the slowest few: the set never grows past SLOWEST_KEPT + 1 members.
        pipe.zadd(store.HTTP_SLOWEST, {slow_entry: duration_ms})
        pipe.zremrangebyrank(store.HTTP_SLOWEST, 0, -(store.SLOWEST_KEPT + 1))

    return fill


def route_label(request: HttpRequest) -> str:
    """The URL pattern that served the request (`/api/conversations/{id}`), never raw ids."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return route_pattern(match.route)
    # WhiteNoise answers static files before URL resolution; give them one label.
    if settings.STATIC_URL and request.path.startswith(settings.STATIC_URL):
        return f"{settings.STATIC_URL}{{path}}"
    return UNMATCHED


@lru_cache(maxsize=512)
def route_pattern(route: str) -> str:
    """`api/conversations/<uuid:id>` → `/api/conversations/{id}`; re_path groups likewise."""
    route = _CONVERTER.sub(r"{\1}", _named_groups_to_braces(route))
    return "/" + route.replace("^", "").replace("$", "")


def _named_groups_to_braces(route: str) -> str:
    """Replace each regex `(?P<name>...)` (nested parentheses included) with `{name}`."""
    parts: list[str] = []
    position = 0
    while (start := route.find("(?P<", position)) != -1:
        name_end = route.index(">", start)
        depth, cursor = 1, name_end + 1
        while cursor < len(route) and depth:
            char = route[cursor]
            if char == "\\":
                cursor += 2  # an escaped character is never a bracket
                continue
            depth += (char == "(") - (char == ")")
            cursor += 1
        parts += [route[position:start], "{", route[start + 4 : name_end], "}"]
        position = cursor
    parts.append(route[position:])
    return "".join(parts)
