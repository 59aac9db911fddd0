"""Redis-backed metrics store: the key layout and best-effort one-round-trip writes.

Every gateway process writes into the same Redis keys, so /api/metrics and /metrics agree
across workers. Writes are best effort: metrics must never break or noticeably slow a
request, so Redis errors are swallowed, logged at most once per WARN_INTERVAL_SECONDS, and a
client that just failed is left alone for BACKOFF_SECONDS (a blackholed Redis would
otherwise cost every request its connect timeout times redis-py's retries).

Hash fields that carry several labels join them with SEP (a tab never occurs in a method,
route pattern, status, model or intent). Histograms are hashes holding one non-cumulative
count per bucket (`<labels>SEP<le>`) and the observed sum (`<labels>SEPsum`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

import redis
from prometheus_client.utils import floatToGoString

from core.redis_client import REDIS_DOWN_ERRORS, async_redis, sync_redis

logger = logging.getLogger(__name__)

PREFIX = "metrics:"
# One histogram per (method, route, status) is the single source of every request count:
# totals, by_status, by_path and the average are sums over it, so /api/metrics and /metrics
# always agree and a request costs 4 commands (each extra command costs ~25 µs of client CPU).
HTTP_LATENCY = f"{PREFIX}http:latency"  # histogram: method, route, status
HTTP_SLOWEST = f"{PREFIX}http:slowest"  # zset: JSON entry scored by duration_ms
LLM_CALLS = f"{PREFIX}llm:calls"  # hash: model, intent -> n
LLM_TOKENS = f"{PREFIX}llm:tokens"  # hash: model, intent, prompt|completion -> n
LLM_LATENCY = f"{PREFIX}llm:latency"  # histogram: model, intent
CACHE = f"{PREFIX}cache"  # hash: hit, miss
EVENTS = f"{PREFIX}events"  # hash: quota_rejections, guard_blocks
REDIS_FALLBACKS = f"{PREFIX}redis_fallbacks"  # hash: kind -> n
ROUTING = f"{PREFIX}routing"  # hash: router (fast|llm|heuristic), intent -> n

SEP = "\t"
SLOWEST_KEPT = 5
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
LLM_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)

BACKOFF_SECONDS = 1.0
MAX_DEFERRED_FILLS = 10_000
WARN_INTERVAL_SECONDS = 60.0
# Metrics must never fail a request: any Redis-side error (down, timeout, wrong type) is
# swallowed on the write path.
REDIS_ERRORS: tuple[type[Exception], ...] = (*REDIS_DOWN_ERRORS, redis.exceptions.RedisError)

Fill = Callable[[Any], None]  # adds commands to a (sync or async) pipeline


def field(*labels: str) -> str:
    return SEP.join(str(label).replace(SEP, " ") for label in labels)


def observe(pipe: Any, key: str, labels: Sequence[str], seconds: float, buckets: Sequence[float]):
    """Add one observation to the histogram hash `key` (two commands on `pipe`)."""
    upper = next((bound for bound in buckets if seconds <= bound), math.inf)
    pipe.hincrby(key, field(*labels, floatToGoString(upper)), 1)
    pipe.hincrbyfloat(key, field(*labels, "sum"), seconds)


class _Backoff:
    """Which clients failed recently, and when we last said so in the log."""

    def __init__(self) -> None:
        self._until: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self._last_warning = -math.inf

    def active(self, client: Any) -> bool:
        return self._until.get(client, 0.0) > time.monotonic()

    def failed(self, client: Any, exc: Exception) -> None:
        now = time.monotonic()
        self._until[client] = now + BACKOFF_SECONDS
        if now - self._last_warning >= WARN_INTERVAL_SECONDS:
            self._last_warning = now
            logger.warning("metrics not recorded: Redis unavailable (%s)", exc)


_backoff = _Backoff()


class _Deferred:
    """Writes that ride along with the next write that reaches Redis, from any caller.

    Increments that must survive a Redis outage (the outage is what they count) are kept
    until one succeeds; samples (`defer`) cost no round trip of their own and are dropped
    with a failed write, like any sample, and beyond MAX_DEFERRED_FILLS.
    """

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._fills: deque[Fill] = deque(maxlen=MAX_DEFERRED_FILLS)
        self._lock = threading.Lock()  # sync writes run on several threads

    def add(self, counts: Counter[tuple[str, str]]) -> None:
        with self._lock:
            self._counts.update(counts)

    def add_fill(self, fill: Fill) -> None:
        with self._lock:
            self._fills.append(fill)

    def take(self) -> Counter[tuple[str, str]]:
        with self._lock:
            taken, self._counts = self._counts, Counter()
        return taken

    def take_fills(self) -> list[Fill]:
        with self._lock:
            taken = list(self._fills)
            self._fills.clear()
        return taken


_deferred = _Deferred()


def increment_later(key: str, name: str, amount: int = 1) -> None:
    _deferred.add(Counter({(key, name): amount}))


def defer(fill: Fill) -> None:
    """Write `fill`'s commands with the next write of this process (every request ends
    with one: the request metrics), instead of a round trip of their own."""
    _deferred.add_fill(fill)


def _pipeline(client: Any, fill: Fill, deferred: Counter[tuple[str, str]]) -> Any:
    pipe = client.pipeline(transaction=False)
    for (key, name), amount in deferred.items():
        pipe.hincrby(key, name, amount)
    for sample in _deferred.take_fills():
        sample(pipe)
    fill(pipe)
    return pipe


def write(fill: Fill) -> None:
    """Run `fill`'s commands in one round trip on the sync client; never raises."""
    client = sync_redis()
    if _backoff.active(client):
        return
    deferred = _deferred.take()
    try:
        _pipeline(client, fill, deferred).execute()
    except REDIS_ERRORS as exc:
        _deferred.add(deferred)
        _backoff.failed(client, exc)


async def awrite(fill: Fill, *, always: bool = False) -> None:
    """Run `fill`'s commands in one round trip on the async client; never raises.

    `always` skips the backoff: for writes that are data, not samples (a chat's usage
    counters, its cache entry, its budget settlement), which Redis' circuit breaker
    already makes cheap to attempt while Redis is down.
    """
    client = async_redis()
    if not always and _backoff.active(client):
        return
    deferred = _deferred.take()
    try:
        await _pipeline(client, fill, deferred).execute()
    except REDIS_ERRORS as exc:
        _deferred.add(deferred)
        _backoff.failed(client, exc)


class RequestWrite:
    """The metrics write an async request ends with (metrics/middleware.py), and the data
    its handling carries into it instead of a round trip of its own."""

    def __init__(self) -> None:
        self.open = True
        self.carried: list[Fill] = []

    def take(self) -> list[Fill]:
        """Close the write: later data goes out on its own. What was carried, in order."""
        self.open = False
        taken, self.carried = self.carried, []
        return taken


_request_write: ContextVar[RequestWrite | None] = ContextVar("request_write", default=None)


def begin_request_write() -> RequestWrite:
    pending = RequestWrite()
    _request_write.set(pending)
    return pending


async def awrite_data(fill: Fill) -> None:
    """Write data (not a sample): with the request's closing metrics write when one is still
    to come — it runs before the response leaves, so readers see the data as before —
    otherwise now, in a round trip of its own (a stream's end, a task after the request)."""
    pending = _request_write.get()
    if pending is not None and pending.open:
        pending.carried.append(fill)
        return
    await awrite(fill, always=True)


async def end_request_write(pending: RequestWrite, sample: Fill | None) -> None:
    """The request's closing write: its sample and whatever was carried, in one round trip.
    Carried data makes it a data write (no backoff); a cancelled request still writes it."""
    carried = pending.take()
    if not carried:
        if sample is not None:
            await awrite(sample)
        return

    def fill(pipe) -> None:
        for data in carried:
            data(pipe)
        if sample is not None:
            sample(pipe)

    await asyncio.shield(awrite(fill, always=True))


def discard_deferred() -> None:
    """Forget what was deferred and not yet written (tests start from a clean slate)."""
    _deferred.take_fills()


async def aflush() -> None:
    """Write what was deferred now (tests, and readers that need it at once)."""
    await awrite(lambda pipe: None, always=True)


def decode_hash(raw: dict) -> dict[str, str]:
    """A hash as str -> str, whichever client (bytes or decoded) read it."""
    return {_text(name): _text(value) for name, value in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
