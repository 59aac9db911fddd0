"""Ollama's own HTTP API, called as is: the client the /v1 and /ollama adapters use.

Unlike the agent's langchain-ollama clients, this one moves Ollama's JSON unchanged: a
request body goes out as the adapter built it, and a stream comes back line by line the
moment Ollama writes each line (`stream_lines`), with the raw bytes kept so /ollama can
forward them untouched. One httpx client per event loop keeps connections pooled.

Each model call goes to the backend the fleet picks for its model (routing/ollama/fleet.py)
when there are several backends or a concurrency cap, holding its lease for the whole call
(a stream included); listings are the union over every backend.

Failures use the provider's vocabulary (routing/ollama/errors.py): Ollama unreachable, too
slow or cut mid-answer is `OllamaUnreachable`; an error Ollama chose to send (404 unknown
model, 400 bad option, an `{"error"}` line mid-stream) is `OllamaResponseError`, whose
message is Ollama's own text and `status` its HTTP status (None mid-stream).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from routing.ollama.chat_models import OLLAMA_CONNECTION_LIMITS
from routing.ollama.errors import OllamaError, OllamaResponseError, OllamaUnreachable
from routing.ollama.fleet import configured_urls, fleet
from routing.ollama.fleet_errors import ModelNotServedError

# Listing, showing and version answer at once on a healthy server.
QUICK_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0
# Paths only administrators may reach (SPEC section 13: model management).
MANAGEMENT_PATHS = frozenset({"/api/pull", "/api/delete", "/api/copy", "/api/create", "/api/push"})


@dataclass(frozen=True)
class Line:
    """One NDJSON line of a stream: the bytes Ollama sent (newline included) and their JSON."""

    raw: bytes
    data: dict[str, Any]


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)


def _client(base: str) -> httpx.AsyncClient:
    """This loop's client for the backend at `base`."""
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    client = per_loop.get(base)
    if client is None:
        client = per_loop[base] = httpx.AsyncClient(
            base_url=base,
            limits=OLLAMA_CONNECTION_LIMITS,
            timeout=httpx.Timeout(settings.OLLAMA_TIMEOUT, connect=CONNECT_TIMEOUT),
        )
    return client


@asynccontextmanager
async def _backend(model: str | None) -> AsyncIterator[str]:
    """The base URL to call for `model`, leased from the fleet when it has a choice to make.

    One backend without a cap needs no bookkeeping. Otherwise the lease is held until the
    call ends and released with its outcome (a failure counts against the backend's
    breaker; a 404 means its model list was stale). A model no backend lists is Ollama's
    404, so the adapters can name it.
    """
    urls = configured_urls()
    if model is None or (len(urls) == 1 and not settings.OLLAMA_MAX_CONCURRENCY):
        yield urls[0]
        return
    try:
        lease = await fleet().acquire(model)
    except ModelNotServedError:
        raise OllamaResponseError(f"model '{model}' not found", model=model, status=404) from None
    try:
        yield lease.url
    except OllamaUnreachable as exc:
        lease.failed(str(exc)[:200])
        raise
    except OllamaResponseError as exc:
        if exc.status is None or exc.status >= 500:
            lease.failed(str(exc)[:200])
        else:
            if exc.status == 404:
                fleet().forget_model(lease.backend, model)
            lease.ended()
        raise
    except BaseException:
        lease.ended()
        raise
    else:
        lease.succeeded()


def _unavailable(exc: BaseException, path: str) -> OllamaUnreachable:
    return OllamaUnreachable(f"Ollama is unavailable on {path}: {exc!r}")


def _rejected(status: int, body: bytes) -> OllamaResponseError:
    """Ollama's `{"error": "..."}` text, or the raw body (gin's plain 404 page)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return OllamaResponseError(data["error"], status=status)
    text = body.decode("utf-8", "replace").strip()[:500] or f"HTTP {status}"
    return OllamaResponseError(text, status=status)


async def request_json(
    method: str, path: str, body: dict[str, Any] | None = None, *, quick: bool = False
) -> Any:
    """One call whose answer is a single JSON value (tags, show, ps, version, embed...).

    `quick`: a listing that a healthy server answers at once, so a hung one fails fast.
    """
    timeout = QUICK_TIMEOUT if quick else settings.OLLAMA_TIMEOUT
    async with _backend((body or {}).get("model")) as base:
        return await _request_json(base, method, path, body, timeout)


async def _request_json(
    base: str, method: str, path: str, body: dict[str, Any] | None, seconds: float
) -> Any:
    try:
        response = await _client(base).request(method, path, json=body, timeout=seconds)
    except httpx.HTTPError as exc:
        raise _unavailable(exc, path) from exc
    if response.status_code >= 400:
        raise _rejected(response.status_code, response.content)
    try:
        return response.json()
    except ValueError as exc:
        raise OllamaResponseError(f"Ollama sent a body that is not JSON on {path}") from exc


@asynccontextmanager
async def stream_lines(path: str, body: dict[str, Any]) -> AsyncIterator[AsyncIterator[Line]]:
    """POST `body` and iterate the answer's lines as they arrive.

    An HTTP error is raised on entry (before any line), so callers can still answer with a
    status. Leaving the block early closes the connection, which is how Ollama learns that
    nobody waits for the rest (it stops generating). A non-streamed answer (`stream:
    false`) comes back as one line.
    """
    async with _backend(body.get("model")) as base:
        client = _client(base)
        request = client.build_request("POST", path, json=body)
        try:
            response = await client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise _unavailable(exc, path) from exc
        try:
            if response.status_code >= 400:
                try:
                    content = await response.aread()
                except httpx.HTTPError as exc:
                    raise _unavailable(exc, path) from exc
                raise _rejected(response.status_code, content)
            yield _lines(response, path)
        finally:
            await response.aclose()


async def _lines(response: httpx.Response, path: str) -> AsyncIterator[Line]:
    buffer = b""
    try:
        async for piece in response.aiter_raw():
            buffer += piece
            while (end := buffer.find(b"\n")) >= 0:
                raw, buffer = buffer[: end + 1], buffer[end + 1 :]
                if raw.strip():
                    yield _parse(raw, path)
    except httpx.HTTPError as exc:
        raise _unavailable(exc, path) from exc
    if buffer.strip():  # a non-streamed body has no trailing newline
        yield _parse(buffer + b"\n", path)


def _parse(raw: bytes, path: str) -> Line:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise OllamaResponseError(f"Ollama sent an unreadable line on {path}") from exc
    if not isinstance(data, dict):
        raise OllamaResponseError(f"Ollama sent an unexpected line on {path}")
    if data.get("error"):
        # Mid-stream failure: HTTP 200 was already sent, so the error is a line of its own.
        raise OllamaResponseError(str(data["error"]))
    return Line(raw=raw, data=data)


async def _listing(path: str) -> list[dict[str, Any]]:
    """The `models` of `path` on every backend, each model once (first backend wins);
    backends that fail are left out, unless every one does."""
    urls = configured_urls()
    answers = await asyncio.gather(
        *(_request_json(url, "GET", path, None, QUICK_TIMEOUT) for url in urls),
        return_exceptions=True,
    )
    failures = [a for a in answers if isinstance(a, BaseException)]
    if len(failures) == len(answers):
        raise failures[0]
    for failure in failures:
        if not isinstance(failure, OllamaError):
            raise failure
    seen: dict[str, dict[str, Any]] = {}
    for answer in answers:
        models = answer.get("models") if isinstance(answer, dict) else None
        for entry in models or []:
            if isinstance(entry, dict):
                seen.setdefault(str(entry.get("model") or entry.get("name")), entry)
    return list(seen.values())


async def served_models() -> list[dict[str, Any]]:
    """The /api/tags entries of every backend."""
    return await _listing("/api/tags")


async def loaded_models() -> list[dict[str, Any]]:
    """The /api/ps entries of every backend."""
    return await _listing("/api/ps")


@dataclass(frozen=True)
class RawAnswer:
    """A successful answer exactly as Ollama sent it (some management calls have no body)."""

    status: int
    content: bytes
    content_type: str


async def request_raw(method: str, path: str, body: dict[str, Any] | None = None) -> RawAnswer:
    """One call whose answer is handed on untouched (delete, copy)."""
    try:
        # Model management acts on the first backend (OLLAMA_URLS order).
        response = await _client(configured_urls()[0]).request(method, path, json=body)
    except httpx.HTTPError as exc:
        raise _unavailable(exc, path) from exc
    if response.status_code >= 400:
        raise _rejected(response.status_code, response.content)
    content_type = response.headers.get("content-type", "application/json; charset=utf-8")
    return RawAnswer(response.status_code, response.content, content_type)
