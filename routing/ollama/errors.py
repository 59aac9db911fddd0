"""The provider's one error vocabulary: every failure to get something from Ollama.

`OllamaError` is what callers catch. `OllamaUnreachable` means no usable answer came
(connection refused, timeout, a dropped or truncated stream, the agent's deadline) and
`OllamaResponseError` means Ollama answered with an error (`status` is its HTTP status,
or None for an `{"error": ...}` line mid-stream or an unreadable body). The chat API maps
both to 503 `llm_unavailable`; the admin API and commands print `str(error)`.
"""

from __future__ import annotations

import json

import httpx
import ollama
import pydantic


class OllamaError(Exception):
    """Ollama could not give what was asked; `str(error)` is fit for an operator."""

    def __init__(self, message: str, *, model: str | None = None) -> None:
        super().__init__(message)
        self.model = model


class OllamaUnreachable(OllamaError):
    """No usable answer: refused, timed out, dropped, or past the agent's deadline."""


class OllamaResponseError(OllamaError):
    """Ollama answered with an error, or with something that cannot be read."""

    def __init__(self, message: str, *, model: str | None = None, status: int | None = None):
        super().__init__(message, model=model)
        self.status = status


# The agent's name for "this chat call produced no answer" (any OllamaError).
LlmUnavailableError = OllamaError

# What the Ollama client raises when the server is down or misbehaves. `ConnectionError` is
# the builtin the non-streaming client path raises; httpx errors cover refused connections,
# read timeouts and aborted chunked bodies; `ResponseError` is an HTTP status >= 400 or an
# `{"error": ...}` line mid-stream; malformed lines fail JSON decoding or pydantic validation.
OLLAMA_ERRORS: tuple[type[BaseException], ...] = (
    httpx.HTTPError,
    ollama.ResponseError,
    ConnectionError,
    json.JSONDecodeError,
    pydantic.ValidationError,
)

# langchain-ollama raises a bare ValueError with this text when a stream ends with no data.
EMPTY_STREAM_MESSAGE = "No data received from Ollama stream"


def from_client_error(exc: BaseException, *, model: str) -> OllamaError:
    """The provider error for an exception the Ollama client raised during a chat call."""
    if isinstance(exc, ollama.ResponseError):
        status = exc.status_code if exc.status_code and exc.status_code > 0 else None
        return OllamaResponseError(f"{model} failed: {exc.error}", model=model, status=status)
    return OllamaUnreachable(f"{model} is unavailable: {exc!r}", model=model)
