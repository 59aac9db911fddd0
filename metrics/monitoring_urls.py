"""Monitoring routes: the JSON request metrics and the Prometheus scrape endpoint."""

from django.urls import path

from metrics.monitoring_views import MetricsSummaryApi, prometheus_metrics

urlpatterns = [
    path("api/metrics", MetricsSummaryApi.as_view(), name="metrics-summary"),
    path("metrics", prometheus_metrics, name="metrics-prometheus"),
]
