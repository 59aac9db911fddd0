"""Admin routes of the metrics app: the usage summary API."""

from django.urls import path

from metrics.admin_api import AdminUsageApi

urlpatterns = [
    path("api/admin/usage", AdminUsageApi.as_view(), name="admin-usage"),
]
