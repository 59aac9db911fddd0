"""GET /health: real checks of the database, Redis and Ollama (SPEC section 6)."""

from __future__ import annotations

import httpx
from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.redis_client import REDIS_DOWN_ERRORS, sync_redis

OLLAMA_CHECK_TIMEOUT_SECONDS = 1.0
# One client for the process: building one per check (SSL context, pool) cost more CPU
# than the check itself. httpx.Client is thread-safe.
_http = httpx.Client(timeout=OLLAMA_CHECK_TIMEOUT_SECONDS)


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


def check_ollama() -> str:
    try:
        response = httpx.get(
            f"{settings.OLLAMA_URL}/api/version", timeout=OLLAMA_CHECK_TIMEOUT_SECONDS
        )
        return "ok" if response.status_code == 200 else "down"
    except httpx.HTTPError:
        return "down"


HealthResponse = inline_serializer(
    name="HealthResponse",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "degraded"]),
        "checks": inline_serializer(
            name="HealthChecks",
            fields={
                "database": serializers.ChoiceField(choices=["ok", "down"]),
                "redis": serializers.ChoiceField(choices=["ok", "down"]),
                "ollama": serializers.ChoiceField(choices=["ok", "down"]),
            },
        ),
    },
)


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Health of the gateway and what it depends on",
        responses={200: HealthResponse, 503: HealthResponse},
        auth=[],
        tags=["monitoring"],
    )
    def get(self, request: Request) -> Response:
        checks = {"database": check_database(), "redis": check_redis(), "ollama": check_ollama()}
        healthy = all(state == "ok" for state in checks.values())
        # Only a missing database makes the gateway unable to serve anything at all.
        status_code = 503 if checks["database"] != "ok" else 200
        return Response(
            {"status": "ok" if healthy else "degraded", "checks": checks}, status=status_code
        )
