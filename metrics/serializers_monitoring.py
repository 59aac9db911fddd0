"""Response shapes of GET /api/metrics (named for the OpenAPI schema, unique project-wide)."""

from __future__ import annotations

from rest_framework import serializers


class MetricsSlowRequestSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="HTTP method, e.g. `POST`.")
    path = serializers.CharField(
        help_text="Route pattern that served it (`/api/conversations/{id}`), never raw ids; "
        "`<unmatched>` when no route matched. The access log has the raw path by request_id."
    )
    duration_ms = serializers.FloatField(help_text="Time until the response started.")
    request_id = serializers.CharField(allow_null=True)
    timestamp = serializers.DateTimeField(help_text="When the response started (UTC).")


class MetricsSummarySerializer(serializers.Serializer):
    total_requests = serializers.IntegerField(help_text="Requests served by every process.")
    avg_response_time_ms = serializers.FloatField()
    by_status = serializers.DictField(
        child=serializers.IntegerField(), help_text='Counts by status code, e.g. `{"200": 12}`.'
    )
    by_path = serializers.DictField(
        child=serializers.IntegerField(),
        help_text='Counts by method and route pattern, e.g. `{"GET /api/conversations/{id}": 3}`.',
    )
    slowest_top5 = MetricsSlowRequestSerializer(many=True)
