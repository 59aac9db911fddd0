"""GET /health: real checks of the database, Redis and Ollama (SPEC section 6).

The checks run at most once a second per process (HEALTH_CACHE_SECONDS): a load
balancer or a monitoring system asking many times a second gets the last result without
costing a thread hop, a database query, a Redis PING and the fleet's status each time.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.redis_client import REDIS_DOWN_ERRORS, sync_redis
from core.views import OpenAsyncApiView
from routing.ollama.fleet_status import fleet_status, ollama_check


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError:
        return "down"


def check_redis() -> str:
    try:
        sync_redis().ping()
        return "ok"
    except REDIS_DOWN_ERRORS:
        return "down"


def check_ollama() -> tuple[str, list[dict]]:
    """The fleet's verdict (ok | degraded | down) and each backend's state.

    Probes (/api/tags, /api/ps, /api/version: never a model load) run at most once a
    second however often /health is asked; the fleet's own refresher keeps them fresh too.
    """
    rows = fleet_status()["backends"]
    detail = [{"url": r["url"], "state": r["state"], "error": r["last_error"]} for r in rows]
    return ollama_check(rows), detail


HealthResponse = inline_serializer(
    name="HealthResponse",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "degraded"]),
        "checks": inline_serializer(
            name="HealthChecks",
            fields={
                "database": serializers.ChoiceField(choices=["ok", "down"]),
                "redis": serializers.ChoiceField(choices=["ok", "down"]),
                "ollama": serializers.ChoiceField(
                    choices=["ok", "degraded", "down"],
                    help_text="ok: every Ollama backend answers; degraded: some do; down: none.",
                ),
            },
        ),
        "ollama_backends": inline_serializer(
            name="HealthOllamaBackend",
            many=True,
            fields={
                "url": serializers.CharField(),
                "state": serializers.ChoiceField(
                    choices=["unknown", "up", "down", "open", "half_open"]
                ),
                "error": serializers.CharField(),
            },
        ),
    },
)


class _LastResult:
    """The latest checks and when they expire; one thread runs the checks at a time."""

    def __init__(self) -> None:
        self.body: dict[str, Any] | None = None
        self.status = 200
        self.expires = 0.0
        self.lock = threading.Lock()

    def fresh(self) -> bool:
        return self.body is not None and time.monotonic() < self.expires

    def forget(self) -> None:
        self.expires = 0.0

    def refresh(self) -> None:
        with self.lock:
            if self.fresh():  # another request refreshed it while this one waited
                return
            self.body, self.status = run_checks()
            self.expires = time.monotonic() + settings.HEALTH_CACHE_SECONDS


_last = _LastResult()


def run_checks() -> tuple[dict[str, Any], int]:
    """The health body and its status: 503 only when the database is down."""
    ollama, backends = check_ollama()
    checks = {"database": check_database(), "redis": check_redis(), "ollama": ollama}
    healthy = all(state == "ok" for state in checks.values())
    # Only a missing database makes the gateway unable to serve anything at all.
    status_code = 503 if checks["database"] != "ok" else 200
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": checks,
        "ollama_backends": backends,
    }
    return body, status_code


class HealthView(OpenAsyncApiView):
    @extend_schema(
        summary="Health of the gateway and what it depends on",
        responses={200: HealthResponse, 503: HealthResponse},
        auth=[],
        tags=["monitoring"],
    )
    async def get(self, request: Request) -> Response:
        if not _last.fresh():
            await sync_to_async(_last.refresh)()
        return Response(_last.body, status=_last.status)
