"""What every /ollama view shares: Ollama's error shape and the base view.

Errors are Ollama's `{"error": "..."}` (with `code` and `request_id` beside it), so the
ollama library raises `ResponseError` with the status; Ollama's own refusals (unknown
model, bad option) keep Ollama's status and words.
"""

from __future__ import annotations

from rest_framework.response import Response

from compat.engine import AUTO
from compat.ollama import translate
from compat.views import CompatApiView
from core.errors import GatewayError, LlmUnavailable, api_exception_handler
from core.request_context import current_request_id
from routing.ollama.errors import OllamaResponseError

API = "ollama"


class OllamaAnswered(GatewayError):
    """Ollama's own refusal (unknown model, bad option), passed on with its status."""

    default_code = "ollama_error"

    def __init__(self, rejected: OllamaResponseError, status: int) -> None:
        super().__init__(str(rejected))
        self.status_code = status
        if status == 404:
            self.default_code = "model_not_found"


def ollama_error(exc: Exception, *, model: str = "") -> GatewayError:
    """Ollama's own refusal keeps its status and words; anything else is 503 (and `auto`'s
    failures are the gateway's own models failing, so 503 too)."""
    if isinstance(exc, OllamaResponseError) and exc.status and exc.status < 500 and model != AUTO:
        return OllamaAnswered(exc, exc.status)
    return LlmUnavailable()


def ollama_exception_handler(exc: Exception, context: dict) -> Response | None:
    """The project's handler, reshaped: Ollama clients read `error` as a string."""
    response = api_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        error = response.data.get("error") or {}
        response.data = translate.error_body(
            str(error.get("message", "")),
            code=str(error.get("code", "")),
            request_id=current_request_id(),
        )
    return response


class OllamaApiView(CompatApiView):
    api = API

    def get_exception_handler(self):
        return ollama_exception_handler
