"""GET /api/metrics (JSON summary) and GET /metrics (Prometheus text), both without auth.

Both read Redis, so every process answers with the same totals. Redis down → 503 in the
error envelope. /metrics is a plain Django view on purpose: it is not part of the JSON API
(so it stays out of the OpenAPI schema) and must answer whatever `Accept` a scraper sends.
It exposes operational detail: nginx should serve it to private networks only.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ServiceUnavailable, error_json_response
from core.redis_client import REDIS_DOWN_ERRORS, sync_redis
from core.schema import ErrorSerializer
from metrics import prometheus, store
from metrics.serializers_monitoring import MetricsSummarySerializer

METRICS_DOWN_MESSAGE = "Metrics are unavailable: Redis cannot be reached."


def request_summary() -> dict[str, Any]:
    """The /api/metrics body: sums over the request histogram, read in one MULTI/EXEC."""
    pipe = sync_redis().pipeline(transaction=True)
    pipe.hgetall(store.HTTP_LATENCY)
    pipe.zrevrange(store.HTTP_SLOWEST, 0, store.SLOWEST_KEPT - 1, withscores=True)
    latency, slowest = pipe.execute()
    by_status: Counter[str] = Counter()
    by_path: Counter[str] = Counter()
    total_seconds = 0.0
    series = prometheus.parse_histogram(store.decode_hash(latency), store.HTTP_BUCKETS)
    for (method, route, status), entry in series.items():
        by_status[status] += sum(entry.counts)
        by_path[f"{method} {route}"] += sum(entry.counts)
        total_seconds += entry.total
    total = by_status.total()
    return {
        "total_requests": total,
        "avg_response_time_ms": round(total_seconds * 1000 / total, 1) if total else 0.0,
        "by_status": dict(by_status),
        "by_path": dict(by_path),
        "slowest_top5": [
            {**json.loads(member), "duration_ms": round(score, 1)} for member, score in slowest
        ],
    }


class MetricsSummaryApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Request metrics of every gateway process",
        description="Counts, average latency, counts by status and by route pattern, and the "
        "five slowest requests, kept in Redis. Streaming responses count until they start.",
        responses={
            200: MetricsSummarySerializer,
            503: OpenApiResponse(ErrorSerializer, description="Redis is unreachable."),
        },
        auth=[],
        tags=["monitoring"],
    )
    def get(self, request: Request) -> Response:
        try:
            summary = request_summary()
        except REDIS_DOWN_ERRORS as exc:
            raise ServiceUnavailable(METRICS_DOWN_MESSAGE) from exc
        return Response(MetricsSummarySerializer(summary).data)


def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition format (prometheus_client's CONTENT_TYPE_LATEST)."""
    if request.method not in ("GET", "HEAD"):
        return error_json_response(
            405,
            "method_not_allowed",
            f'Method "{request.method}" not allowed.',
            headers={"Allow": "GET, HEAD"},
        )
    try:
        body = prometheus.render()
    except REDIS_DOWN_ERRORS:
        return error_json_response(503, "service_unavailable", METRICS_DOWN_MESSAGE)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
