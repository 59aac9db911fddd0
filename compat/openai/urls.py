"""Routes of the OpenAI API, mounted under /v1."""

from django.urls import path

from compat.openai import views

urlpatterns = [
    path("chat/completions", views.ChatCompletionsApi.as_view(), name="openai-chat-completions"),
    path("embeddings", views.EmbeddingsApi.as_view(), name="openai-embeddings"),
    path("models", views.ModelsApi.as_view(), name="openai-models"),
    path("models/<path:model>", views.ModelDetailApi.as_view(), name="openai-model"),
]
