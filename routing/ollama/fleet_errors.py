"""The fleet's failures, as subclasses of the one error the chat API maps to 503."""

from __future__ import annotations

from routing.ollama.errors import LlmUnavailableError

BUSY_MESSAGE = "all backends busy"
NO_BACKEND_MESSAGE = "no Ollama backend answers"


class BackendsBusyError(LlmUnavailableError):
    """Every backend serving the model stayed at OLLAMA_MAX_CONCURRENCY for OLLAMA_QUEUE_TIMEOUT."""


class NoBackendError(LlmUnavailableError):
    """No backend can take the call: none answers, or every one serving the model failed."""


class ModelNotServedError(LlmUnavailableError):
    """The backends that answer their probes do not list the model.

    A subclass of LlmUnavailableError so the agent keeps answering 503 for a configured
    model nobody serves; the protocol adapters map it to 404 naming the model.
    """

    def __init__(self, model: str) -> None:
        super().__init__(f"model '{model}' not found", model=model)
