"""Routing app routes: the chat API and the Ollama admin API."""

from django.urls import include, path

urlpatterns = [
    path("", include("routing.chat.urls")),
    path("", include("routing.admin_urls")),
]
