"""Failures of the model call as the gateway's domain errors, shared by /v1 and /ollama.

"Unknown model" is only ever what Ollama said (it answered, and does not serve the model);
Ollama unreachable, too slow or failing is 503 `llm_unavailable`, whatever the model.
"""

from __future__ import annotations

from rest_framework import status

from compat.engine import AUTO
from core.errors import GatewayError, LlmUnavailable
from routing.ollama.errors import OllamaError, OllamaResponseError

UPSTREAM_ERRORS = (OllamaError,)


class ModelNotFound(GatewayError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "model_not_found"
    default_detail = "The model does not exist."


class ModelRejected(GatewayError):
    """Ollama refused the request as invalid (e.g. tools sent to a model without them)."""

    default_code = "model_rejected_request"
    default_detail = "The model refused the request."


def model_not_found(model: str) -> ModelNotFound:
    return ModelNotFound(
        f"The model '{model}' does not exist or is not served here.", details={"model": model}
    )


def upstream_error(exc: OllamaError, *, model: str) -> GatewayError:
    """The error to answer for a model call that failed before any answer.

    For `auto` every failure is the gateway's own (its configured models), so 503.
    """
    if isinstance(exc, OllamaResponseError) and exc.status and model != AUTO:
        if exc.status == 404:
            return model_not_found(model)
        if 400 <= exc.status < 500:
            return ModelRejected(str(exc), details={"model": model, "status": exc.status})
    return LlmUnavailable()
