"""`/ollama/api/pull`, `/push`, `/create`, `/copy`, `/delete`: model management, for
administrators only (403 for anyone else, and nothing reaches Ollama)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from django.http import HttpResponse
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from accounts.permissions import IsAdminRole
from compat.errors import UPSTREAM_ERRORS
from compat.ollama import translate
from compat.ollama.base import OllamaApiView, ollama_error
from compat.ollama.schema import manage_schema
from compat.views import read_json, stream_response
from core.request_context import current_request_id
from routing.ollama import passthrough

NDJSON = "application/x-ndjson"


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
