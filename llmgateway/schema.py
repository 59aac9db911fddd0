"""OpenAPI pieces every app shares: the one error envelope, described once."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable snake_case code, e.g. `not_found`.")
    message = serializers.CharField(help_text="Human-readable explanation.")
    details = serializers.JSONField(allow_null=True, help_text="Field errors or extra facts.")


class ErrorSerializer(serializers.Serializer):
    """The gateway's error envelope (llmgateway/errors.py), on every error response."""

    error = ErrorBodySerializer()
    request_id = serializers.CharField(allow_null=True)


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)
