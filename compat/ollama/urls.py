"""Routes of Ollama's API, mounted under /ollama (so clients use host=<gateway>/ollama)."""

from django.urls import path

from compat.ollama import listing, manage, views

urlpatterns = [
    path("", listing.root, name="ollama-root"),
    path("api/version", listing.VersionApi.as_view(), name="ollama-version"),
    path("api/tags", listing.TagsApi.as_view(), name="ollama-tags"),
    path("api/ps", listing.PsApi.as_view(), name="ollama-ps"),
    path("api/show", listing.ShowApi.as_view(), name="ollama-show"),
    path("api/chat", views.ChatApi.as_view(), name="ollama-chat"),
    path("api/generate", views.GenerateApi.as_view(), name="ollama-generate"),
    path("api/embed", views.EmbedApi.as_view(), name="ollama-embed"),
    path("api/embeddings", views.EmbeddingsApi.as_view(), name="ollama-embeddings"),
    path("api/pull", manage.manage_view("/api/pull", "POST", streams=True), name="ollama-pull"),
    path("api/push", manage.manage_view("/api/push", "POST", streams=True), name="ollama-push"),
    path(
        "api/create", manage.manage_view("/api/create", "POST", streams=True), name="ollama-create"
    ),
    path("api/copy", manage.manage_view("/api/copy", "POST"), name="ollama-copy"),
    path("api/delete", manage.manage_view("/api/delete", "DELETE"), name="ollama-delete"),
]
