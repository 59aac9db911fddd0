"""`/ollama/`, `/api/version`, `/api/tags`, `/api/ps`, `/api/show`: what Ollama clients poll.

None of these reaches a model, so none counts against the quota; the root and the version
are open, like Ollama's own liveness probes.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scopes import models_allowed
from compat.engine import AUTO
from compat.errors import UPSTREAM_ERRORS
from compat.ollama import translate
from compat.ollama.base import OllamaApiView, ollama_error
from compat.ollama.schema import listing_schema, probe_schema, show_schema
from compat.ollama.schemas import ShowRequest
from compat.views import parse_body, read_json
from routing.ollama import passthrough

RUNNING = "Ollama is running"


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
        listing = translate.tags(served)
        # A scoped key sees only the models it may use (accounts/scopes.py).
        allowed = set(
            models_allowed(request.auth, [m.get("model") or "" for m in listing["models"]])
        )
        listing["models"] = [m for m in listing["models"] if (m.get("model") or "") in allowed]
        return Response(listing)


class PsApi(OllamaApiView):
    @listing_schema("ollama_ps", "The models loaded in memory")
    async def get(self, request: Request):
        try:
            loaded = await passthrough.loaded_models()
        except UPSTREAM_ERRORS as exc:
            raise ollama_error(exc) from None
        return Response({"models": loaded})


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
    """`GET|HEAD /ollama/`: what Ollama answers on `/`, so clients see a live server."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse("405 method not allowed", status=405, content_type="text/plain")
    body = RUNNING if request.method == "GET" else ""
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Length"] = str(len(RUNNING))
    return response
