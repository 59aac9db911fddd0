"""One call to Ollama on the fleet: pick a backend, run, and fail over before the first token.

A connection error, a timeout, a 5xx or a garbled stream before any token arrived moves the
call to another backend serving the model; the backend is charged a failure (its breaker
counts them). A 404 means the backend's model list was stale: the call moves on without a
failure. After a token has arrived the error is the caller's (the stream already started).

Both clients use this: the agent's langchain-ollama calls (`run_on_fleet`, errors in the
Ollama client's vocabulary) and the /v1 and /ollama adapters' passthrough (`first_answer`,
which leaves the backend held so a stream can go on; errors in the provider's vocabulary,
OllamaUnreachable / OllamaResponseError). Every call, whichever client, is metered the
same way: its outcome per backend, and its timings from Ollama's durations.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
import ollama
import pydantic
from langchain_core.messages import AIMessage

from metrics.fleet_metrics import record_call
from routing.ollama.errors import (
    EMPTY_STREAM_MESSAGE,
    OllamaError,
    OllamaResponseError,
    OllamaUnreachable,
)
from routing.ollama.fleet import Lease, fleet
from routing.ollama.metering import FirstTokenTracker, meter_add, timings_from
from routing.ollama.reachability import report_unreachable

T = TypeVar("T")
Attempt = Callable[[str, FirstTokenTracker], Awaitable[T]]


class SoloLease:
    """The one backend when there is nothing to choose and no cap: no fleet bookkeeping."""

    backend = None
    waited = 0.0

    def __init__(self, url: str) -> None:
        self.url = url

    def succeeded(self) -> None:
        pass

    def failed(self, error: str, *, refused: bool = False) -> None:
        pass

    def ended(self) -> None:
        pass


Held = Lease | SoloLease


def _root(exc: BaseException) -> BaseException:
    """The client error under a provider error (passthrough wraps httpx's)."""
    if isinstance(exc, OllamaError) and exc.__cause__ is not None:
        return exc.__cause__
    return exc


def is_refused(exc: BaseException) -> bool:
    """Nobody listens at the backend's address."""
    return isinstance(_root(exc), httpx.ConnectError | ConnectionError)


def is_backend_failure(exc: BaseException) -> bool:
    """The backend, not the request, is at fault: worth another backend."""
    if isinstance(exc, OllamaUnreachable):
        return True
    if isinstance(exc, OllamaResponseError):
        # None: an `{"error": ...}` line mid-stream or an unreadable body.
        return exc.status is None or exc.status >= 500
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
    if isinstance(exc, OllamaResponseError):
        return exc.status == 404
    return isinstance(exc, ollama.ResponseError) and exc.status_code == 404


@dataclass
class Answered(Generic[T]):
    """The attempt that answered: its result, and its backend, still held until the call
    ends with `succeeded()` or `failed()`."""

    lease: Held
    model: str
    result: T
    tracker: FirstTokenTracker

    async def succeeded(self, answer: Mapping[str, Any] | None) -> None:
        """The call ended well; `answer` is Ollama's reply (or final chunk) with its durations."""
        self.lease.succeeded()
        timings = None
        if answer is not None:
            timings = timings_from(answer, ttft_seconds=self.tracker.ttft_seconds)
        if timings is None:
            await record_call(self.lease.url, "ok", waited=self.lease.waited)
            return
        meter_add(timings.compute_seconds)
        await record_call(
            self.lease.url, "ok", waited=self.lease.waited, model=self.model, timings=timings
        )

    async def failed(self, exc: BaseException) -> None:
        """The call failed after its first token: charged as it deserves, never retried."""
        await _settle_failure(self.lease, self.model, exc, may_retry=False)


async def first_answer(model: str, attempt: Attempt[T], *, solo: str | None = None) -> Answered[T]:
    """Run `attempt(backend_url, tracker)` on a backend chosen for `model`, failing over
    until one answers; that backend stays held (see `Answered`).

    `solo`: the only backend, called without the fleet (one backend, no cap): nothing to
    choose or fail over to. Raises what the last attempt raised, or the fleet's
    LlmUnavailableError subclasses when no backend is left to try (ModelNotServedError,
    NoBackendError, BackendsBusyError).
    """
    tried: list[str] = []
    last_error: BaseException | None = None
    while True:
        if solo is not None:
            lease: Held = SoloLease(solo)
        else:
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
            may_retry = solo is None and not tracker.got_token
            if not await _settle_failure(lease, model, exc, may_retry=may_retry):
                raise
            tried.append(lease.url)
            last_error = exc
            continue
        return Answered(lease, model, result, tracker)


async def run_on_fleet(model: str, attempt: Attempt[T], *, solo: str | None = None) -> T:
    """`first_answer`, released and metered as soon as the attempt returns."""
    answered = await first_answer(model, attempt, solo=solo)
    result = answered.result
    if isinstance(result, AIMessage):
        await answered.succeeded(result.response_metadata or {})
    else:
        await answered.succeeded(result if isinstance(result, Mapping) else None)
    return result


async def _settle_failure(lease: Held, model: str, exc: BaseException, *, may_retry: bool) -> bool:
    """Charge the backend as `exc` deserves; whether the call may move to another one."""
    if is_backend_failure(exc):
        report_unreachable(_root(exc), url=lease.url)
        lease.failed(f"{type(exc).__name__}: {exc}"[:200], refused=is_refused(exc))
        outcome, retry = "failure", may_retry
    elif is_model_missing(exc):
        if lease.backend is not None:
            fleet().forget_model(lease.backend, model)
        lease.ended()
        outcome, retry = "missing", may_retry
    else:
        lease.ended()  # cancelled, or the request itself was refused (a 400)
        if isinstance(exc, asyncio.CancelledError | GeneratorExit):
            return False  # the caller left: says nothing of the backend or the request
        outcome, retry = "error", False
    await record_call(lease.url, outcome, waited=lease.waited)
    return retry
