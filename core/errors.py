"""The one JSON error envelope, for DRF views and plain Django alike (SPEC section 6).

`{"error": {"code", "message", "details"}, "request_id"}` — domain errors subclass
`GatewayError` with a `status_code` and a `default_code`; the handler turns every DRF
exception into the envelope, and `handler404`/`handler500` cover what DRF never sees.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.request_context import current_request_id

logger = logging.getLogger(__name__)

# DRF's codes are kept where they are already snake_case nouns; a few get clearer names.
_CODE_ALIASES = {
    "invalid": "validation_error",
    "not_authenticated": "not_authenticated",
    "authentication_failed": "authentication_failed",
    "parse_error": "malformed_request",
    "throttled": "rate_limited",
    "error": "bad_request",
}


class GatewayError(exceptions.APIException):
    """Base for domain errors: subclasses set `status_code`, `default_code`, `default_detail`."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"
    default_detail = "The request could not be processed."

    def __init__(
        self, message: str | None = None, *, details: Any = None, headers: dict | None = None
    ):
        super().__init__(detail=message or self.default_detail, code=self.default_code)
        self.details = details
        self.headers = headers or {}


class Conflict(GatewayError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The resource already exists."


class ServiceUnavailable(GatewayError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = "A service the gateway depends on is unavailable."


class LlmUnavailable(ServiceUnavailable):
    default_code = "llm_unavailable"
    default_detail = "The language model is unavailable; please try again shortly."


class DatabaseUnavailable(ServiceUnavailable):
    default_code = "database_unavailable"
    default_detail = "The database is unavailable; please try again shortly."


class QuotaExceeded(GatewayError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "quota_exceeded"
    default_detail = "Request quota exceeded; try again after the time in Retry-After."


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "details": details},
        "request_id": current_request_id(),
    }


def error_json_response(
    status_code: int, code: str, message: str, details: Any = None, headers: dict | None = None
) -> JsonResponse:
    response = JsonResponse(error_body(code, message, details), status=status_code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _message_and_details(exc: exceptions.APIException) -> tuple[str, Any]:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        return "The request is invalid; see details.", detail
    if isinstance(detail, (list, dict)):
        return "The request could not be processed; see details.", detail
    return str(detail), getattr(exc, "details", None)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every handled exception leaves in the envelope."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, (OperationalError, InterfaceError)):
        # The database is down or unreachable: a retryable outage, not a bug (no 500).
        logger.warning("database unavailable: %s", exc)
        exc = DatabaseUnavailable(headers={"Retry-After": "5"})
    # Imported here: rest_framework.views resolves DRF's settings (our authentication
    # classes) on import, and those import this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    codes = exc.get_codes()
    raw_code = codes if isinstance(codes, str) else exc.default_code
    code = _CODE_ALIASES.get(raw_code, raw_code)
    message, details = _message_and_details(exc)
    response.data = error_body(code, message, details)
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    return response


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_json_response(400, "bad_request", "The request could not be understood.")


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_json_response(403, "permission_denied", "You do not have permission to do this.")


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_json_response(404, "not_found", "Not found.")


def handler500(request: HttpRequest) -> JsonResponse:
    return error_json_response(500, "internal_error", "An unexpected error occurred.")
