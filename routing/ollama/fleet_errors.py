"""The fleet's failures, as subclasses of the one error the chat API maps to 503."""

from __future__ import annotations

from routing.ollama.errors import LlmUnavailableError, OllamaResponseError

BUSY_MESSAGE = "all backends busy"
NO_BACKEND_MESSAGE = "no Ollama backend answers"


class BackendsBusyError(LlmUnavailableError):
    """Every backend serving the model stayed at OLLAMA_MAX_CONCURRENCY for OLLAMA_QUEUE_TIMEOUT."""


class NoBackendError(LlmUnavailableError):
    """No backend can take the call: none answers, or every one serving the model failed."""


class ModelNotServedError(OllamaResponseError):
    """The backends that answer their probes do not list the model.

    Shaped like Ollama's own answer (status 404, "model 'x' not found"), so the protocol
    adapters hand it on as Ollama would; the agent answers 503 for a configured model nobody
    serves, as for any OllamaError.
    """

    def __init__(self, model: str) -> None:
        super().__init__(f"model '{model}' not found", model=model, status=404)
