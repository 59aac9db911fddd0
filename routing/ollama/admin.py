"""The one module for Ollama's admin calls: list (/api/tags), show (/api/show), pull (/api/pull).

Chat traffic goes through langchain-ollama (routing/agent); this module is for operators.
Every call has a short timeout, and every failure leaves as an `OllamaError` (the provider's
one vocabulary, routing/ollama/errors.py) so the API and the commands have one thing to catch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from routing.ollama.errors import OllamaResponseError, OllamaUnreachable

# Listing and showing are cheap; a slow answer means Ollama is in trouble.
ADMIN_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
# A pull can sit quietly between progress lines (verifying a multi-GB digest), so only the
# connect is short.
PULL_TIMEOUT = httpx.Timeout(600.0, connect=2.0)


@dataclass(frozen=True)
class OllamaModel:
    """A model installed on the Ollama server, as /api/tags lists it."""

    name: str
    size: int
    family: str
    parameter_size: str
    quantization_level: str
    modified_at: str


@dataclass(frozen=True)
class PullProgress:
    """One line of /api/pull progress; `digest`, `total`, `completed` only for layer downloads."""

    status: str
    digest: str | None = None
    total: int | None = None
    completed: int | None = None


def normalize_model_name(name: str) -> str:
    """Ollama's canonical short name: case-folded, library prefix dropped, `:latest` if untagged."""
    short = name.strip().lower()
    for prefix in ("registry.ollama.ai/", "library/"):
        short = short.removeprefix(prefix)
    if short and ":" not in short.rsplit("/", 1)[-1]:
        short += ":latest"
    return short


def same_model(a: str, b: str) -> bool:
    """Whether two spellings name the same model (`llama3` and `llama3:latest` do)."""
    return normalize_model_name(a) == normalize_model_name(b)


def _url(path: str, base: str | None = None) -> str:
    return f"{(base or settings.OLLAMA_URL).rstrip('/')}{path}"


def _unreachable(exc: httpx.HTTPError, base: str | None = None) -> OllamaUnreachable:
    return OllamaUnreachable(f"Ollama at {base or settings.OLLAMA_URL} is unreachable ({exc!r})")


def _error_message(response: httpx.Response) -> str:
    try:
        message = response.json().get("error") or response.text
    except (ValueError, AttributeError):
        message = response.text
    return f"Ollama answered HTTP {response.status_code}: {message.strip()[:300]}"


def _request_json(
    method: str, path: str, body: dict | None = None, *, url: str | None = None
) -> dict[str, Any]:
    try:
        response = httpx.request(method, _url(path, url), json=body, timeout=ADMIN_TIMEOUT)
    except httpx.HTTPError as exc:
        raise _unreachable(exc, url) from exc
    if response.status_code >= 400:
        raise OllamaResponseError(_error_message(response), status=response.status_code)
    try:
        data = response.json()
    except ValueError as exc:
        raise OllamaResponseError(f"Ollama sent a body that is not JSON on {path}") from exc
    if not isinstance(data, dict):
        raise OllamaResponseError(f"Ollama sent an unexpected body on {path}")
    return data


def list_models(*, url: str | None = None) -> list[OllamaModel]:
    """The models installed on the server (GET /api/tags), in the server's order.

    `url` names one backend of the fleet; the default is OLLAMA_URL.
    """
    entries = _request_json("GET", "/api/tags", url=url).get("models") or []
    models = []
    for entry in entries:
        details = entry.get("details") or {}
        models.append(
            OllamaModel(
                name=entry.get("name") or entry.get("model") or "",
                size=int(entry.get("size") or 0),
                family=details.get("family") or "",
                parameter_size=details.get("parameter_size") or "",
                quantization_level=details.get("quantization_level") or "",
                modified_at=entry.get("modified_at") or "",
            )
        )
    return models


def show_model(name: str, *, url: str | None = None) -> dict[str, Any]:
    """Everything Ollama knows about one model (POST /api/show); a missing model is an error."""
    return _request_json("POST", "/api/show", {"model": name}, url=url)


def pull_model(name: str, *, url: str | None = None) -> Iterator[PullProgress]:
    """Pull a model (POST /api/pull, streamed), yielding each progress line until "success"."""
    try:
        with httpx.stream(
            "POST",
            _url("/api/pull", url),
            json={"model": name, "stream": True},
            timeout=PULL_TIMEOUT,
        ) as response:
            if response.status_code >= 400:
                response.read()
                raise OllamaResponseError(_error_message(response), status=response.status_code)
            for line in response.iter_lines():
                if line.strip():
                    yield _progress(line)
    except httpx.HTTPError as exc:
        raise _unreachable(exc, url) from exc


def _progress(line: str) -> PullProgress:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise OllamaResponseError(f"Ollama sent an unreadable progress line: {line[:200]}") from exc
    if not isinstance(data, dict):
        raise OllamaResponseError(f"Ollama sent an unexpected progress line: {line[:200]}")
    if data.get("error"):
        raise OllamaResponseError(f"Ollama refused the pull: {data['error']}")
    return PullProgress(
        status=str(data.get("status") or ""),
        digest=data.get("digest"),
        total=data.get("total"),
        completed=data.get("completed"),
    )
