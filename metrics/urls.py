"""Metrics app routes: monitoring endpoints and the admin usage API."""

from django.urls import include, path

urlpatterns = [
    path("", include("metrics.monitoring_urls")),
    path("", include("metrics.admin_urls")),
]
