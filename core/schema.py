"""OpenAPI pieces every app shares: the one error envelope, described once."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable snake_case code, e.g. `not_found`.")
    message = serializers.CharField(help_text="Human-readable explanation.")
    details = serializers.JSONField(allow_null=True, help_text="Field errors or extra facts.")


class ErrorSerializer(serializers.Serializer):
    """The gateway's error envelope (core/errors.py), on every error response."""

    error = ErrorBodySerializer()
    request_id = serializers.CharField(allow_null=True)


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


def document_body_limit(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: any operation with a body may answer 413 and 415.

    The size limit (core/body_limit.py) runs before everything else, and a body that
    is not JSON (or, for the login, a form) is refused by the parser.
    """
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    refusals = {
        "413": "The body is larger than MAX_BODY_BYTES (`payload_too_large`).",
        "415": "The body is not JSON (`unsupported_media_type`).",
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                for status, description in refusals.items():
                    operation["responses"].setdefault(
                        status, {"description": description, "content": error_content}
                    )
    return result
