"""Refuse oversized request bodies with 413 before Django reads them.

Django would spool a large body to disk and then answer a generic 400; a client that sends
10 MB deserves a clear 413 in the error envelope, decided from Content-Length alone (or,
for chunked uploads, as soon as the running total passes the limit).
"""

from __future__ import annotations

import json

from django.conf import settings

from core.request_context import accept_or_generate_request_id


def _too_large_body(request_id: str, limit: int) -> bytes:
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


class BodySizeLimitMiddleware:
    """ASGI middleware: 413 for bodies over DATA_UPLOAD_MAX_MEMORY_SIZE."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
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
        request_id = accept_or_generate_request_id(incoming)
        body = _too_large_body(request_id, limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", request_id.encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised inside receive() when a chunked body passes the limit."""
