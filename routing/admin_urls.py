"""Admin routes of the routing app: the Ollama model inventory."""

from django.urls import path

from routing.admin_api import AdminModelsApi

urlpatterns = [
    path("api/admin/models", AdminModelsApi.as_view(), name="admin-models"),
]
