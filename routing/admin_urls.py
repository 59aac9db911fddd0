"""Admin routes of the routing app: the Ollama model inventory and the fleet."""

from django.urls import path

from routing.admin_api import AdminBackendsApi, AdminModelsApi

urlpatterns = [
    path("api/admin/models", AdminModelsApi.as_view(), name="admin-models"),
    path("api/admin/backends", AdminBackendsApi.as_view(), name="admin-backends"),
]
