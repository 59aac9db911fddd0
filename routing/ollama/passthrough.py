"""Ollama's own HTTP API, called as is: the client the /v1 and /ollama adapters use.

Unlike the agent's langchain-ollama clients, this one moves Ollama's JSON unchanged: a
request body goes out as the adapter built it, and a stream comes back line by line the
moment Ollama writes each line (`stream_lines`), with the raw bytes kept so /ollama can
forward them untouched. One httpx client per event loop and backend keeps connections pooled.

Calls that name a model (chat, generate, embed, show) get their backend from the fleet
(routing/ollama/fleet.py) and move to another backend serving the model when the chosen one
refuses the connection or answers 5xx before the first line; listings and model management
go to the first backend of OLLAMA_URLS.

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
from routing.ollama.fleet import Lease, configured_urls, fleet
from routing.ollama.metering import meter_add

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


def _client(base: str | None = None) -> httpx.AsyncClient:
    """This loop's client for `base` (default: the fleet's first backend; tests change it)."""
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    base = base or configured_urls()[0]
    client = per_loop.get(base)
    if client is None:
        client = per_loop[base] = httpx.AsyncClient(
            base_url=base,
            limits=OLLAMA_CONNECTION_LIMITS,
            timeout=httpx.Timeout(settings.OLLAMA_TIMEOUT, connect=CONNECT_TIMEOUT),
        )
    return client


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
    model = _model_of(path, body)
    if model is None:
        try:
            response = await _client().request(method, path, json=body, timeout=timeout)
        except httpx.HTTPError as exc:
            raise _unavailable(exc, path) from exc
    else:
        request = lambda client: client.request(method, path, json=body, timeout=timeout)  # noqa: E731
        response, lease = await _on_fleet(model, path, request)
        _settle(lease, response.status_code, response.content if response.is_success else b"")
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
    model = _model_of(path, body)
    lease: Lease | None = None
    if model is None:
        client = _client()
        try:
            response = await client.send(client.build_request("POST", path, json=body), stream=True)
        except httpx.HTTPError as exc:
            raise _unavailable(exc, path) from exc
    else:
        response, lease = await _on_fleet(
            model,
            path,
            lambda client: client.send(client.build_request("POST", path, json=body), stream=True),
        )
    finished = _Finished()
    try:
        if response.status_code >= 400:
            try:
                content = await response.aread()
            except httpx.HTTPError as exc:
                raise _unavailable(exc, path) from exc
            raise _rejected(response.status_code, content)
        yield _lines(response, path, finished)
    except OllamaError as exc:
        if lease is not None:
            lease.failed(f"{path}: {exc}"[:200])
            lease = None
        raise
    finally:
        await response.aclose()
        if lease is not None:
            _settle(lease, response.status_code, finished.raw)


class _Finished:
    """The last line of a stream, kept to meter it (its `done` line carries the timings)."""

    raw = b""


async def _lines(
    response: httpx.Response, path: str, finished: _Finished | None = None
) -> AsyncIterator[Line]:
    buffer = b""
    try:
        async for piece in response.aiter_raw():
            buffer += piece
            while (end := buffer.find(b"\n")) >= 0:
                raw, buffer = buffer[: end + 1], buffer[end + 1 :]
                if raw.strip():
                    line = _parse(raw, path)
                    if finished is not None and line.data.get("done"):
                        finished.raw = raw
                    yield line
    except httpx.HTTPError as exc:
        raise _unavailable(exc, path) from exc
    if buffer.strip():  # a non-streamed body has no trailing newline
        line = _parse(buffer + b"\n", path)
        if finished is not None:
            finished.raw = buffer
        yield line


# Calls whose body names a model go to a backend that serves it; management calls (pull,
# delete...) stay on the first backend (`pull_models --backend` reaches the others).
_FLEET_PATHS = frozenset(
    {"/api/chat", "/api/generate", "/api/embed", "/api/embeddings", "/api/show"}
)


def _model_of(path: str, body: dict[str, Any] | None) -> str | None:
    model = (body or {}).get("model") if path in _FLEET_PATHS else None
    return model if isinstance(model, str) and model else None


async def _on_fleet(model: str, path: str, send) -> tuple[httpx.Response, Lease]:
    """Send on a backend the fleet picks; a refused connection or a 5xx moves to another."""
    tried: list[str] = []
    last: BaseException | None = None
    while True:
        try:
            lease = await fleet().acquire(model, exclude=tried)
        except OllamaError:
            if last is not None:
                raise last from None
            raise
        try:
            response = await send(_client(lease.url))
        except httpx.HTTPError as exc:
            lease.failed(
                f"{type(exc).__name__}: {exc}"[:200], refused=isinstance(exc, httpx.ConnectError)
            )
            tried.append(lease.url)
            last = _unavailable(exc, path)
            continue
        except BaseException:
            lease.ended()
            raise
        if response.status_code >= 500:
            content = await response.aread()
            await response.aclose()
            lease.failed(f"HTTP {response.status_code} on {path}")
            tried.append(lease.url)
            last = _rejected(response.status_code, content)
            continue
        return response, lease


def _settle(lease: Lease, status: int, final: bytes) -> None:
    """Release the lease; a successful answer's Ollama timings go to the request's meter."""
    if status >= 400 or not final.strip():
        lease.ended()  # the request's fault (404, 400), or the client left before the end
        return
    lease.succeeded()
    try:
        data = json.loads(final) if final.strip() else {}
    except ValueError:
        return
    if isinstance(data, dict):
        seconds = sum(
            value / 1e9
            for key in ("load_duration", "prompt_eval_duration", "eval_duration")
            if isinstance(value := data.get(key), int | float) and value > 0
        )
        meter_add(seconds)


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


async def served_models() -> list[dict[str, Any]]:
    """Ollama's /api/tags entries."""
    data = await request_json("GET", "/api/tags", quick=True)
    models = data.get("models") if isinstance(data, dict) else None
    return [m for m in models or [] if isinstance(m, dict)]


@dataclass(frozen=True)
class RawAnswer:
    """A successful answer exactly as Ollama sent it (some management calls have no body)."""

    status: int
    content: bytes
    content_type: str


async def request_raw(method: str, path: str, body: dict[str, Any] | None = None) -> RawAnswer:
    """One call whose answer is handed on untouched (delete, copy)."""
    try:
        response = await _client().request(method, path, json=body)
    except httpx.HTTPError as exc:
        raise _unavailable(exc, path) from exc
    if response.status_code >= 400:
        raise _rejected(response.status_code, response.content)
    content_type = response.headers.get("content-type", "application/json; charset=utf-8")
    return RawAnswer(response.status_code, response.content, content_type)
