"""The one place Redis clients come from, sync (django-redis) and async (redis.asyncio).

Async clients hold connections bound to an event loop, so one is kept per running loop.
Both kinds draw from a bounded *blocking* pool (REDIS_POOL_MAX_CONNECTIONS per pool): a
burst waits up to REDIS_POOL_TIMEOUT for a free connection instead of failing, and a pool
still exhausted after that raises `RedisBusy` (503), which is never mistaken for "Redis is
down" — a busy gateway must not skip the quota.

One circuit breaker per Redis URL (core/circuit.py) watches every connection: after
REDIS_BREAKER_FAILURES connection errors or timeouts in a row it opens (a timeout while
Redis answered other calls does not count: that is our own event loop running late), and
every call fails at once with `RedisUnavailable` (a `ConnectionError`, so in
REDIS_DOWN_ERRORS) until a background PING succeeds; a dead or frozen Redis then costs
microseconds, not a socket timeout per command. Socket timeouts stay short
(REDIS_SOCKET_TIMEOUT) for the calls made before it opens.
"""

from __future__ import annotations

import asyncio
import math
import queue
import threading
import time
import weakref
from functools import cache

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django_redis import get_redis_connection
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.connection import HiredisRespSerializer
from redis.utils import HIREDIS_AVAILABLE
from rest_framework import exceptions, status

from core.circuit import CircuitBreaker


class RedisUnavailable(redis.exceptions.ConnectionError):
    """Redis' circuit breaker is open: the call was not attempted."""


class RedisBusy(exceptions.APIException, redis.exceptions.RedisError):
    """Every pooled Redis connection stayed in use for REDIS_POOL_TIMEOUT: an overload, not
    an outage. A 503 in the error envelope the client may retry; metrics writes swallow it
    as any RedisError. (Not a core.errors class: core.errors imports DRF's views, which
    import the apps that import this module.)"""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = "The gateway is busy; please retry in a moment."
    headers = {"Retry-After": "1"}


# Errors that mean "Redis is not there right now" rather than a bug in our code. RedisBusy
# is deliberately not one of them.
REDIS_DOWN_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)
# What counts against the breaker: a failed connect, and a reply that never came. A pooled
# connection found closed (Redis restarted) does not: the client's retry reconnects, and
# only if that connect fails is Redis down.
_FAILURES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)

_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
    weakref.WeakKeyDictionary()
)
_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def redis_breaker(url: str | None = None) -> CircuitBreaker:
    """The process-wide breaker of the Redis at `url` (default REDIS_URL)."""
    url = url or settings.REDIS_URL
    with _breakers_lock:
        if url not in _breakers:
            _breakers[url] = CircuitBreaker(
                "redis",
                failure_threshold=settings.REDIS_BREAKER_FAILURES,
                cooldown_seconds=settings.REDIS_BREAKER_COOLDOWN,
                probe=lambda: _ping(url),
            )
        return _breakers[url]


def _ping(url: str) -> None:
    """The half-open probe: one PING on a fresh connection, with the usual short timeouts."""
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        retry=None,
    )
    try:
        client.ping()
    finally:
        client.close()


# --- connections that report to the breaker ----------------------------------------------
def _count_once(breaker: CircuitBreaker, exc: BaseException, started: float) -> None:
    """One failure per exception: a reply that times out while a connection is being set
    up (its handshake) reaches both hooks below, and must not count twice."""
    if not getattr(exc, "counted_by_breaker", False):
        breaker.record_failure(exc, started=started)
        exc.counted_by_breaker = True  # type: ignore[attr-defined]


class _AsyncBreakerConnection:
    """Mixed into a redis.asyncio connection class: outcomes go to `self.breaker`, and
    commands are packed by hiredis."""

    breaker: CircuitBreaker
    # Set while a pipeline reads its replies under one timeout of its own (TimedPipeline).
    replies_timed_by_pipeline = False

    if HIREDIS_AVAILABLE:
        # redis-py's sync connections pack with hiredis; its asyncio ones still encode each
        # argument in Python (about 3 us per command; a chat's closing pipeline holds
        # some forty). Same bytes, and the same DataError for an argument of a wrong type.
        _hiredis_packer = HiredisRespSerializer()

        def pack_command(self, *args):
            return self._hiredis_packer.pack(*args)

    async def connect_check_health(self, *args, **kwargs):
        started = time.monotonic()
        try:
            return await super().connect_check_health(*args, **kwargs)
        except _FAILURES as exc:
            _count_once(self.breaker, exc, started)
            raise

    async def read_response(self, *args, **kwargs):
        if self.replies_timed_by_pipeline:
            # No timer per reply (math.inf: redis-py's "no timeout"); the pipeline's covers
            # them all and reports the outcome once.
            return await super().read_response(*args, **{"timeout": math.inf, **kwargs})
        started = time.monotonic()
        try:
            response = await super().read_response(*args, **kwargs)
        except redis.exceptions.TimeoutError as exc:
            _count_once(self.breaker, exc, started)
            raise
        self.breaker.record_success()
        return response


class TimedPipeline(aioredis.client.Pipeline):
    """A pipeline whose replies are read under one REDIS_SOCKET_TIMEOUT, not one each.

    redis-py starts an asyncio timeout for every reply it reads; the closing pipeline of a
    chat carries about twenty commands, whose replies arrive together. Measured against a
    local Redis: 20-command pipelines cost 240 µs of CPU each, 175 µs read this way. A
    timeout still disconnects the connection and raises redis' TimeoutError, counted once
    by the breaker, as a reply timing out did.
    """

    async def _execute_pipeline(self, connection, commands, raise_on_error):
        timeout = connection.socket_timeout
        if timeout is None or not isinstance(connection, _AsyncBreakerConnection):
            return await super()._execute_pipeline(connection, commands, raise_on_error)
        started = time.monotonic()
        connection.replies_timed_by_pipeline = True
        try:
            async with asyncio.timeout(timeout):
                replies = await super()._execute_pipeline(connection, commands, raise_on_error)
        except TimeoutError as exc:  # asyncio's: redis' own TimeoutError is not one
            await connection.disconnect(nowait=True)
            error = redis.exceptions.TimeoutError("Timeout reading the pipeline's replies")
            connection.breaker.record_failure(error, started=started)
            raise error from exc
        finally:
            connection.replies_timed_by_pipeline = False
        connection.breaker.record_success()
        return replies


class GatewayAsyncRedis(aioredis.Redis):
    """The async client: its pipelines are TimedPipelines."""

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None):
        return TimedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)


class _SyncBreakerConnection:
    """Mixed into a redis connection class: outcomes go to `self.breaker`."""

    breaker: CircuitBreaker

    def connect_check_health(self, *args, **kwargs):
        started = time.monotonic()
        try:
            return super().connect_check_health(*args, **kwargs)
        except _FAILURES as exc:
            _count_once(self.breaker, exc, started)
            raise

    def read_response(self, *args, **kwargs):
        started = time.monotonic()
        try:
            response = super().read_response(*args, **kwargs)
        except redis.exceptions.TimeoutError as exc:
            _count_once(self.breaker, exc, started)
            raise
        self.breaker.record_success()
        return response


@cache
def _reporting(mixin: type, base: type, breaker: CircuitBreaker) -> type:
    # Built per base class, so unix:// (the embedded Redis) and rediss:// keep their own.
    return type(f"Breaker{base.__name__}", (mixin, base), {"breaker": breaker})


def _busy_or_down(breaker: CircuitBreaker) -> Exception:
    """Why a caller waited out REDIS_POOL_TIMEOUT for a connection: the pool was busy, or
    Redis stopped answering meanwhile (the connections were held by calls timing out, and
    the breaker opened), which the caller's Redis-down policy handles."""
    if not breaker.allow():
        return RedisUnavailable("Redis circuit open while waiting for a connection")
    return RedisBusy()


class BreakerBlockingPool(redis.BlockingConnectionPool):
    """django-redis' pool (CONNECTION_POOL_CLASS): bounded, blocking, behind the breaker."""

    def __init__(self, *args, breaker: CircuitBreaker | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.breaker = breaker or redis_breaker()
        self.connection_class = _reporting(
            _SyncBreakerConnection, self.connection_class, self.breaker
        )

    def get_connection(self, *args, **kwargs):
        if not self.breaker.allow():
            raise RedisUnavailable("Redis circuit open: not attempted")
        try:
            connection = super().get_connection(*args, **kwargs)
        except redis.exceptions.ConnectionError as exc:
            if isinstance(exc.__context__, queue.Empty):
                raise _busy_or_down(self.breaker) from exc
            raise
        if not self.breaker.allow():  # it opened while this caller waited for the pool
            self.release(connection)
            raise RedisUnavailable("Redis circuit open: not attempted")
        return connection


class AsyncBreakerBlockingPool(aioredis.BlockingConnectionPool):
    """The async clients' pool: bounded, blocking, behind the breaker."""

    def __init__(self, *args, breaker: CircuitBreaker | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.breaker = breaker or redis_breaker()
        self.connection_class = _reporting(
            _AsyncBreakerConnection, self.connection_class, self.breaker
        )

    async def get_connection(self, *args, **kwargs):
        if not self.breaker.allow():
            raise RedisUnavailable("Redis circuit open: not attempted")
        try:
            connection = await super().get_connection(*args, **kwargs)
        except redis.exceptions.ConnectionError as exc:
            if isinstance(exc.__cause__, asyncio.TimeoutError):
                raise _busy_or_down(self.breaker) from exc
            raise
        if not self.breaker.allow():  # it opened while this caller waited for the pool
            await self.release(connection)
            raise RedisUnavailable("Redis circuit open: not attempted")
        return connection


def sync_redis() -> redis.Redis:
    return get_redis_connection("default")


def async_redis() -> aioredis.Redis:
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        pool = AsyncBreakerBlockingPool.from_url(
            settings.REDIS_URL,
            max_connections=settings.REDIS_POOL_MAX_CONNECTIONS,
            timeout=settings.REDIS_POOL_TIMEOUT,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            decode_responses=True,
            health_check_interval=30,
            # One immediate retry replaces a connection that went stale across a Redis
            # restart; the default (three, with backoff) would stall every request for
            # seconds while Redis is down. Not on timeouts: a frozen Redis would cost each
            # call twice REDIS_SOCKET_TIMEOUT.
            retry=AsyncRetry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )
        client = GatewayAsyncRedis.from_pool(pool)
        _async_clients[loop] = client
    return client
