"""One call to Ollama on the fleet: pick a backend, run, and fail over before the first token.

A connection error, a timeout, a 5xx or a garbled stream before any token arrived moves the
call to another backend serving the model; the backend is charged a failure (its breaker
counts them). A 404 means the backend's model list was stale: the call moves on without a
failure. After a token has arrived the error is the caller's (the stream already started).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import ollama
import pydantic
from langchain_core.messages import AIMessage

from metrics.fleet_metrics import record_call
from routing.ollama.errors import EMPTY_STREAM_MESSAGE
from routing.ollama.fleet import Lease, fleet
from routing.ollama.metering import FirstTokenTracker, meter_add, timings_of
from routing.ollama.reachability import report_unreachable

T = TypeVar("T")
Attempt = Callable[[str, FirstTokenTracker], Awaitable[T]]


def is_refused(exc: BaseException) -> bool:
    """Nobody listens at the backend's address."""
    return isinstance(exc, httpx.ConnectError | ConnectionError)


def is_backend_failure(exc: BaseException) -> bool:
    """The backend, not the request, is at fault: worth another backend."""
    if isinstance(exc, ollama.ResponseError):
        # -1: an `{"error": ...}` line mid-stream (the runner died).
        return exc.status_code >= 500 or exc.status_code == -1
    if isinstance(exc, ValueError) and EMPTY_STREAM_MESSAGE in str(exc):
        return True
    return isinstance(
        exc,
        httpx.TransportError
        | ConnectionError
        | TimeoutError
        | json.JSONDecodeError
        | pydantic.ValidationError,
    )


def is_model_missing(exc: BaseException) -> bool:
    return isinstance(exc, ollama.ResponseError) and exc.status_code == 404


async def run_on_fleet(model: str, attempt: Attempt[T]) -> T:
    """Run `attempt(backend_url, tracker)` on a backend chosen for `model`, failing over.

    Raises what the last attempt raised, or the fleet's LlmUnavailableError subclasses when
    no backend is left to try (ModelNotServedError, NoBackendError, BackendsBusyError).
    """
    tried: list[str] = []
    last_error: BaseException | None = None
    while True:
        try:
            lease = await fleet().acquire(model, exclude=tried)
        except Exception:
            if last_error is not None:
                raise last_error from None  # the backend's own error says more
            raise
        tracker = FirstTokenTracker()
        try:
            result = await attempt(lease.url, tracker)
        except BaseException as exc:
            retry = await _settle_failure(lease, model, exc, tracker)
            if not retry:
                raise
            tried.append(lease.url)
            last_error = exc
            continue
        lease.succeeded()
        await _meter(lease, model, result, tracker)
        return result


async def _settle_failure(
    lease: Lease, model: str, exc: BaseException, tracker: FirstTokenTracker
) -> bool:
    """Charge the backend as `exc` deserves; whether the call may move to another one."""
    if is_backend_failure(exc):
        report_unreachable(exc, url=lease.url)
        lease.failed(f"{type(exc).__name__}: {exc}"[:200], refused=is_refused(exc))
        outcome, retry = "failure", not tracker.got_token
    elif is_model_missing(exc):
        fleet().forget_model(lease.backend, model)
        lease.ended()
        outcome, retry = "missing", not tracker.got_token
    else:
        lease.ended()  # cancelled, or the request itself was refused (a 400)
        if isinstance(exc, asyncio.CancelledError):
            return False
        outcome, retry = "error", False
    await record_call(lease.url, outcome, waited=lease.waited)
    return retry


async def _meter(lease: Lease, model: str, result: object, tracker: FirstTokenTracker) -> None:
    if not isinstance(result, AIMessage):
        await record_call(lease.url, "ok", waited=lease.waited)
        return
    timings = timings_of(result, ttft_seconds=tracker.ttft_seconds)
    meter_add(timings.compute_seconds)
    await record_call(lease.url, "ok", waited=lease.waited, model=model, timings=timings)
