"""Routes of Ollama's API, mounted under /ollama (so clients use host=<gateway>/ollama)."""

from django.urls import path

from compat.ollama import views

urlpatterns = [
    path("", views.root, name="ollama-root"),
    path("api/version", views.VersionApi.as_view(), name="ollama-version"),
    path("api/tags", views.TagsApi.as_view(), name="ollama-tags"),
    path("api/ps", views.PsApi.as_view(), name="ollama-ps"),
    path("api/show", views.ShowApi.as_view(), name="ollama-show"),
    path("api/chat", views.ChatApi.as_view(), name="ollama-chat"),
    path("api/generate", views.GenerateApi.as_view(), name="ollama-generate"),
    path("api/embed", views.EmbedApi.as_view(), name="ollama-embed"),
    path("api/embeddings", views.EmbeddingsApi.as_view(), name="ollama-embeddings"),
    path("api/pull", views.manage_view("/api/pull", "POST", streams=True), name="ollama-pull"),
    path("api/push", views.manage_view("/api/push", "POST", streams=True), name="ollama-push"),
    path(
        "api/create", views.manage_view("/api/create", "POST", streams=True), name="ollama-create"
    ),
    path("api/copy", views.manage_view("/api/copy", "POST"), name="ollama-copy"),
    path("api/delete", views.manage_view("/api/delete", "DELETE"), name="ollama-delete"),
]
