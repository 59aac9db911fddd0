"""Admin views of the Ollama fleet: GET /api/admin/models and GET /api/admin/backends."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdminRole
from core.errors import LlmUnavailable
from core.schema import ErrorSerializer
from routing.admin_serializers import AdminBackendsResponseSerializer, AdminModelsResponseSerializer
from routing.model_inventory import model_inventory
from routing.ollama.errors import OllamaError
from routing.ollama.fleet_status import fleet_status

OLLAMA_DOWN_MESSAGE = "The Ollama server is unavailable; the model list cannot be read."


class AdminModelsApi(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        operation_id="admin_models_list",
        summary="Models on the Ollama server, the roles they fill, and missing configured models",
        tags=["admin"],
        responses={
            200: AdminModelsResponseSerializer,
            401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
            403: OpenApiResponse(ErrorSerializer, description="Not an admin."),
            503: OpenApiResponse(
                ErrorSerializer,
                description="Ollama is unreachable or erroring (`llm_unavailable`).",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        try:
            inventory = model_inventory()
        except OllamaError as exc:
            raise LlmUnavailable(OLLAMA_DOWN_MESSAGE, details={"reason": str(exc)}) from exc
        data = {
            "models": [
                {**asdict(e.model), "roles": e.roles, "backends": e.backends}
                for e in inventory.models
            ],
            "configured": inventory.configured,
            "missing": inventory.missing,
            "backends": _listings(inventory),
        }
        return Response(AdminModelsResponseSerializer(data).data)


def _listings(inventory) -> list[dict]:
    lacking = inventory.lacking()
    return [
        {
            "url": listing.url,
            "reachable": listing.models is not None,
            "error": listing.error,
            "lacking": lacking.get(listing.url, []),
        }
        for listing in inventory.backends
    ]


class AdminBackendsApi(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        operation_id="admin_backends_list",
        summary="The Ollama fleet: each backend's state, models, load and failures",
        description="States and probes are refreshed at most a second before the answer; "
        "`in_flight`, `queued`, `calls` and `failures` are this gateway process's own.",
        tags=["admin"],
        responses={
            200: AdminBackendsResponseSerializer,
            401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
            403: OpenApiResponse(ErrorSerializer, description="Not an admin."),
        },
    )
    def get(self, request: Request) -> Response:
        return Response(AdminBackendsResponseSerializer(fleet_status()).data)
