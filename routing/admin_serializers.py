"""Response shapes of the Ollama admin API (names are unique across the OpenAPI schema)."""

from __future__ import annotations

from rest_framework import serializers


class AdminOllamaModelSerializer(serializers.Serializer):
    name = serializers.CharField()
    backends = serializers.ListField(
        child=serializers.CharField(), help_text="The backends (URLs) that serve this model."
    )
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


class AdminFleetListingSerializer(serializers.Serializer):
    url = serializers.CharField()
    reachable = serializers.BooleanField()
    error = serializers.CharField(help_text="Why the backend could not be read ('' if it could).")
    lacking = serializers.ListField(
        child=serializers.CharField(), help_text="Configured models this backend does not have."
    )


class AdminModelsResponseSerializer(serializers.Serializer):
    models = AdminOllamaModelSerializer(many=True)
    configured = AdminConfiguredModelsSerializer()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Configured models no backend has."
    )
    backends = AdminFleetListingSerializer(many=True)


class AdminBackendSerializer(serializers.Serializer):
    url = serializers.CharField()
    state = serializers.ChoiceField(
        choices=["unknown", "up", "down", "open", "half_open"],
        help_text="up: answers its probes; down: nobody listens; open: its circuit breaker "
        "took it out after failed calls; half_open: one trial call decides.",
    )
    reachable = serializers.BooleanField(help_text="Whether its last probe was answered.")
    version = serializers.CharField(help_text="Ollama's version ('' until it answers).")
    served_models = serializers.ListField(child=serializers.CharField(), help_text="/api/tags")
    loaded_models = serializers.ListField(child=serializers.CharField(), help_text="/api/ps")
    in_flight = serializers.IntegerField(help_text="Calls in flight from this gateway process.")
    queued = serializers.IntegerField(help_text="Calls of this process waiting for a slot.")
    calls = serializers.IntegerField(help_text="Calls sent since this process started.")
    failures = serializers.IntegerField(help_text="Calls that failed because of the backend.")
    consecutive_failures = serializers.IntegerField()
    last_check = serializers.DateTimeField(allow_null=True, help_text="Time of the last probe.")
    last_error = serializers.CharField()


class AdminBackendsResponseSerializer(serializers.Serializer):
    backends = AdminBackendSerializer(many=True)
    max_concurrency = serializers.IntegerField(
        help_text="OLLAMA_MAX_CONCURRENCY: calls in flight per backend per process (0 = no cap)."
    )
    queue_timeout = serializers.FloatField(help_text="OLLAMA_QUEUE_TIMEOUT in seconds.")
