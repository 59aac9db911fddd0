"""Request body limits: which limit a path has, and the 413 in the error envelope.

The limit is decided per path prefix (`BODY_LIMITS_BY_PREFIX`, longest prefix wins, else
`MAX_BODY_BYTES`), so an API that takes larger bodies (e.g. `/v1/`) only adds a setting.
It is enforced twice: by Daphne itself before the body is read
(llmgateway/daphne_protocol.py: an over-limit Content-Length is answered at once, a
chunked body is cut off as it passes the limit), and by the ASGI middleware below for any
other ASGI server, which counts the body as the server hands it over.
"""

from __future__ import annotations

import json

from django.conf import settings

from core.request_context import accept_or_generate_request_id


def body_limit_for(path: str) -> int:
    """The largest body, in bytes, a request to `path` may carry."""
    best_prefix, limit = "", settings.MAX_BODY_BYTES
    for prefix, prefix_limit in settings.BODY_LIMITS_BY_PREFIX.items():
        if path.startswith(prefix) and len(prefix) > len(best_prefix):
            best_prefix, limit = prefix, prefix_limit
    return limit


def too_large_body(request_id: str, limit: int) -> bytes:
    return json.dumps(
        {
            "error": {
                "code": "payload_too_large",
                "message": (
                    f"The request body is larger than the {limit} bytes this gateway accepts."
                ),
                "details": {"max_bytes": limit},
            },
            "request_id": request_id,
        }
    ).encode()


def too_large_response(incoming_request_id: str | None, limit: int) -> tuple[str, bytes, list]:
    """The request id, body and headers of a 413 (the connection is closed after it)."""
    request_id = accept_or_generate_request_id(incoming_request_id)
    body = too_large_body(request_id, limit)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        (b"connection", b"close"),
    ]
    return request_id, body, headers


class BodySizeLimitMiddleware:
    """ASGI middleware: 413 for bodies over the path's limit (see `body_limit_for`)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit_for(scope["path"])
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await self._reject(headers, limit, send)

        received = 0

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        try:
            return await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            return await self._reject(headers, limit, send)

    @staticmethod
    async def _reject(headers: dict, limit: int, send) -> None:
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        _request_id, body, response_headers = too_large_response(incoming, limit)
        await send({"type": "http.response.start", "status": 413, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised inside receive() when a chunked body passes the limit."""
