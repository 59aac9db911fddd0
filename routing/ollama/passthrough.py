"""Ollama's own HTTP API, called as is: the client the /v1 and /ollama adapters use.

Unlike the agent's langchain-ollama clients, this one moves Ollama's JSON unchanged: a
request body goes out as the adapter built it, and a stream comes back line by line the
moment Ollama writes each line (`stream_lines`), with the raw bytes kept so /ollama can
forward them untouched. One httpx client per event loop keeps connections pooled.

Each model call (chat, generate, embed, show) goes to the backend the fleet picks for its
model (routing/ollama/fleet.py) when there are several backends or a concurrency cap,
holding its lease for the whole call (a stream included). A connection error, timeout or
5xx before the first line moves the call to another backend serving the model, and a 404
from a backend whose model list was stale moves it on without charging a failure
(routing/ollama/failover.py, shared with the agent's calls, which also meters each call
per backend from Ollama's durations). Listings are the union over every backend; version
and model management ask the first backend.

Failures use the provider's vocabulary (routing/ollama/errors.py): Ollama unreachable, too
slow or cut mid-answer is `OllamaUnreachable`; an error Ollama chose to send (404 unknown
model, 400 bad option, an `{"error"}` line mid-stream) is `OllamaResponseError`, whose
message is Ollama's own text and `status` its HTTP status (None mid-stream).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from routing.ollama.errors import OllamaError, OllamaResponseError, OllamaUnreachable
from routing.ollama.failover import first_answer, run_on_fleet
from routing.ollama.fleet import configured_urls
from routing.ollama.metering import FirstTokenTracker
from routing.ollama.transport import AiohttpTransport

# Listing, showing and version answer at once on a healthy server.
QUICK_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0


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
            transport=AiohttpTransport(),
            timeout=httpx.Timeout(settings.OLLAMA_TIMEOUT, connect=CONNECT_TIMEOUT),
        )
    return client


# The calls that run a model: each goes to a backend serving it and fails over before its
# first line. Anything else (listings, version, model management) asks the first backend.
MODEL_PATHS = frozenset(
    {"/api/chat", "/api/generate", "/api/embed", "/api/embeddings", "/api/show"}
)


def _model_call(path: str, body: dict[str, Any] | None) -> str | None:
    """The model a call runs, or None when the first backend answers it."""
    model = (body or {}).get("model")
    return model if path in MODEL_PATHS and isinstance(model, str) and model else None


def _solo() -> str | None:
    """The one backend when there is no choice to make and no cap to keep: such calls skip
    the fleet's bookkeeping (they are still metered)."""
    urls = configured_urls()
    return urls[0] if len(urls) == 1 and not settings.OLLAMA_MAX_CONCURRENCY else None


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

    `quick`: a listing that a healthy server answers at once, so a hung one fails fast. A
    model call fails over to another backend serving the model (routing/ollama/failover.py).
    """
    timeout = QUICK_TIMEOUT if quick else settings.OLLAMA_TIMEOUT
    model = _model_call(path, body)
    if model is None:
        return await _request_json(configured_urls()[0], method, path, body, timeout)

    async def attempt(base: str, tracker: FirstTokenTracker) -> Any:
        return await _request_json(base, method, path, body, timeout)

    return await run_on_fleet(model, attempt, solo=_solo())


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
    status. A model call enters once its first line has arrived: until then a failing
    backend hands the call to another one serving the model; after it, errors reach the
    caller. Leaving the block early closes the connection, which is how Ollama learns that
    nobody waits for the rest (it stops generating). A non-streamed answer (`stream:
    false`) comes back as one line.
    """
    model = _model_call(path, body)
    if model is None:
        response = await _open(configured_urls()[0], path, body)
        try:
            yield _lines(response, path)
        finally:
            await response.aclose()
        return

    async def attempt(
        base: str, tracker: FirstTokenTracker
    ) -> tuple[httpx.Response, AsyncGenerator[Line], Line]:
        response = await _open(base, path, body)
        lines = _lines(response, path)
        try:
            first = await anext(lines, None)
            if first is None:
                raise OllamaUnreachable(f"Ollama sent an empty answer on {path}")
        except BaseException:
            await lines.aclose()
            await response.aclose()
            raise
        tracker.token_arrived()
        return response, lines, first

    answered = await first_answer(model, attempt, solo=_solo())
    response, lines, last = answered.result

    async def relay() -> AsyncGenerator[Line]:
        nonlocal last
        yield last
        async for line in lines:
            last = line
            yield line

    relayed = relay()
    try:
        yield relayed
    except BaseException as exc:
        await answered.failed(exc)
        raise
    else:
        await answered.succeeded(last.data if last.data.get("done") is True else None)
    finally:
        await relayed.aclose()
        await lines.aclose()
        await response.aclose()


async def _open(base: str, path: str, body: dict[str, Any]) -> httpx.Response:
    """The streamed response of POST `path` on `base`, its status checked."""
    client = _client(base)
    request = client.build_request("POST", path, json=body)
    try:
        response = await client.send(request, stream=True)
    except httpx.HTTPError as exc:
        raise _unavailable(exc, path) from exc
    if response.status_code < 400:
        return response
    try:
        content = await response.aread()
    except httpx.HTTPError as exc:
        raise _unavailable(exc, path) from exc
    finally:
        await response.aclose()
    raise _rejected(response.status_code, content)


async def _lines(response: httpx.Response, path: str) -> AsyncGenerator[Line]:
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
