"""What every /v1 and /ollama view shares: credentials as those clients send them, the
request timing and Server-Timing, the quota headers, JSON-only negotiation, body parsing
into a typed request model, and one way to answer a stream.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from django.conf import settings
from django.http import StreamingHttpResponse
from pydantic import BaseModel, ValidationError
from rest_framework.exceptions import ParseError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from accounts.models import ApiKey
from compat.auth import COMPAT_AUTHENTICATION
from compat.engine import turn_request_for
from core.errors import GatewayError
from routing.chat.turn import Turn, turn_admit
from routing.chat.turn_view import TurnApiView

Model = TypeVar("Model", bound=BaseModel)


class InvalidRequest(GatewayError):
    default_code = "validation_error"
    default_detail = "The request is invalid."


def validation_message(exc: ValidationError) -> str:
    """The first problem, naming the field as clients wrote it: "messages.0.role: ..."."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"Invalid value for '{where}': {first['msg']}."


class PayloadTooLarge(GatewayError):
    status_code = 413
    default_code = "payload_too_large"
    default_detail = "The request body is larger than this API accepts."


def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object, read once (the view may ask again).

    Read from the stream rather than through DRF's `request.data`, which goes through
    `HttpRequest.body` and so refuses anything over the native API's MAX_BODY_BYTES:
    these APIs take up to MAX_COMPAT_BODY_BYTES (base64 images).
    """
    django_request = request._request
    cached = getattr(django_request, "compat_json", None)
    if cached is not None:
        return cached
    limit = settings.MAX_COMPAT_BODY_BYTES
    declared = django_request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(details={"max_bytes": limit})
    raw = django_request.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(details={"max_bytes": limit})
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise ParseError("JSON parse error - the body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    django_request.compat_json = data
    return data


def parse_body(request: Request, model: type[Model]) -> Model:
    """The JSON body as `model`; a wrong type on a field the gateway uses is a 400."""
    data = read_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        raise InvalidRequest(validation_message(exc), details=details) from None


class CompatApiView(TurnApiView):
    """Base of the protocol views; `api` names the protocol in the usage ledger."""

    api = ""
    authentication_classes = COMPAT_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # These clients send all sorts of Accept headers; the answer is always JSON.
        return JSONRenderer(), JSONRenderer.media_type

    async def open_turn(
        self,
        request: Request,
        messages: list[dict[str, Any]],
        *,
        model: str,
        max_tokens: int | None = None,
    ) -> Turn:
        """Admit a stateless turn for a request that reaches a model (the quota counts it;
        the key's scope and the token budgets are checked against `model`)."""
        self.turn = await turn_admit(
            turn_request_for(
                user=request.user,
                api_key=request.auth if isinstance(request.auth, ApiKey) else None,
                api=self.api,
                messages=messages,
                model=model,
                max_tokens=max_tokens if isinstance(max_tokens, int) else None,
            )
        )
        return self.turn


def stream_response(body: AsyncIterator[bytes], content_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-cache"
    # Tells nginx not to buffer, so each chunk reaches the client when it is sent.
    response["X-Accel-Buffering"] = "no"
    return response
