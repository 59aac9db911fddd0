"""Response shapes of the Ollama admin API (names are unique across the OpenAPI schema)."""

from __future__ import annotations

from rest_framework import serializers


class AdminOllamaModelSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes on disk.")
    family = serializers.CharField()
    parameter_size = serializers.CharField()
    quantization_level = serializers.CharField()
    modified_at = serializers.CharField()
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=["simple", "complex"]),
        help_text="The configured roles this model fills.",
    )


class AdminConfiguredModelsSerializer(serializers.Serializer):
    simple = serializers.CharField(help_text="MODEL_SIMPLE")
    complex = serializers.CharField(help_text="MODEL_COMPLEX")


class AdminModelsResponseSerializer(serializers.Serializer):
    models = AdminOllamaModelSerializer(many=True)
    configured = AdminConfiguredModelsSerializer()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Configured models the server does not have."
    )
