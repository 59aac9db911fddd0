"""Typed failures of the agent: the one error the chat API maps to 503 `llm_unavailable`."""

from __future__ import annotations

import json

import httpx
import ollama
import pydantic


class LlmUnavailableError(Exception):
    """Ollama could not produce an answer.

    Raised when the server is unreachable, answers with an HTTP error (404 missing model,
    500 runner failure, ...), reports an error in the middle of a stream, drops the
    connection, takes longer than `OLLAMA_TIMEOUT` for one call, or the whole run misses
    its deadline (`AGENT_DEADLINE_SECONDS`). Web search failures are not LLM failures and
    never raise this.
    """

    def __init__(self, message: str, *, model: str | None = None) -> None:
        super().__init__(message)
        self.model = model


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
