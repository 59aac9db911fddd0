"""The drop-in APIs: OpenAI's under /v1, Ollama's under /ollama."""

from django.urls import include, path

import compat.openapi  # noqa: F401  (registers the Bearer-key security scheme)

urlpatterns = [
    path("v1/", include("compat.openai.urls")),
    path("ollama/", include("compat.ollama.urls")),
]
