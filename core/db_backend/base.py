"""Django's PostgreSQL backend with a circuit breaker on new connections (ENGINE).

Only failed connection attempts count (the pool's own reconnects included): a busy pool is
not an outage, so a request still waits up to DB_POOL_TIMEOUT for a connection while the
database answers. After DB_BREAKER_FAILURES failed connects in a row the breaker opens,
and every request that needs a connection fails at once with OperationalError, which the
error handler turns into 503 `database_unavailable`, instead of waiting out the pool
timeout; requests already waiting for a pooled connection give up as soon as it opens.
A background connect every DB_BREAKER_COOLDOWN closes it again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool, PoolTimeout

from core.circuit import CircuitBreaker

C = TypeVar("C", bound=psycopg.Connection | psycopg.AsyncConnection)

_breakers: dict[str, CircuitBreaker] = {}


def database_breaker(alias: str = "default") -> CircuitBreaker | None:
    """The breaker of the database `alias`, once a connection to it was attempted."""
    return _breakers.get(alias)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict, alias="default"):
        super().__init__(settings_dict, alias)
        if alias not in _breakers:
            _breakers[alias] = CircuitBreaker(
                f"database {alias!r}",
                failure_threshold=settings.DB_BREAKER_FAILURES,
                cooldown_seconds=settings.DB_BREAKER_COOLDOWN,
                probe=self._probe,
            )
        self.breaker = _breakers[alias]
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if isinstance(pool_options, dict):
            # The pool's connects (in its own threads) report to the breaker too.
            pool_options["connection_class"] = reporting_connection(
                self.breaker, psycopg.Connection
            )

    @property
    def pool(self) -> ConnectionPool | None:
        pool = base.DatabaseWrapper.pool.fget(self)
        if pool is not None and not isinstance(pool, FailFastPool):
            # Django builds a plain ConnectionPool; this one also watches the breaker.
            pool.__class__ = FailFastPool
            pool.breaker = self.breaker
        return pool

    def get_new_connection(self, conn_params):
        if not self.breaker.allow():
            raise psycopg.OperationalError("database unavailable (circuit open): not attempted")
        if self.pool:
            return super().get_new_connection(conn_params)
        try:
            connection = super().get_new_connection(conn_params)
        except psycopg.OperationalError as exc:
            self.breaker.record_failure(exc)
            raise
        self.breaker.record_success()
        return connection

    def _probe(self) -> None:
        psycopg.connect(**self.get_connection_params()).close()


_connection_classes: dict[tuple[int, type], type] = {}


def reporting_connection(breaker: CircuitBreaker, base_class: type[C]) -> type[C]:
    """A subclass of psycopg's `Connection` or `AsyncConnection` whose `connect` reports
    its outcome to `breaker` (the async pool's connects count too, core/async_db.py)."""
    key = (id(breaker), base_class)
    if key not in _connection_classes:
        if issubclass(base_class, psycopg.AsyncConnection):

            class Reporting(base_class):
                @classmethod
                async def connect(cls, *args, **kwargs):
                    with reported_to(breaker):
                        return await super().connect(*args, **kwargs)

        else:

            class Reporting(base_class):
                @classmethod
                def connect(cls, *args, **kwargs):
                    with reported_to(breaker):
                        return super().connect(*args, **kwargs)

        _connection_classes[key] = Reporting
    return _connection_classes[key]


@contextmanager
def reported_to(breaker: CircuitBreaker) -> Iterator[None]:
    """A connect's outcome, told to the breaker: a refused connect counts as a failure."""
    try:
        yield
    except psycopg.OperationalError as exc:
        breaker.record_failure(exc)
        raise
    breaker.record_success()


class BreakerWait:
    """A wait for a pooled connection, cut into slices between which the breaker is read,
    so a waiting request gives up as soon as it opens (both pools' `getconn`)."""

    # How often a waiting request looks at the breaker.
    SLICE_SECONDS = 0.2

    def __init__(self, breaker: CircuitBreaker, timeout: float) -> None:
        self.breaker = breaker
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.remaining = timeout

    def next_slice(self) -> float:
        """How long the next try may wait; raises at once while the breaker is open."""
        if not self.breaker.allow():
            raise psycopg.OperationalError("database unavailable (circuit open)")
        self.remaining = self.deadline - time.monotonic()
        return max(0.01, min(self.remaining, self.SLICE_SECONDS))

    def sliced_out(self) -> None:
        """A slice passed without a connection: raises once the whole timeout has."""
        if self.remaining <= self.SLICE_SECONDS:
            raise PoolTimeout(f"couldn't get a connection after {self.timeout:.2f} sec") from None


class FailFastPool(ConnectionPool):
    """A pool whose waiting clients give up as soon as the breaker opens."""

    breaker: CircuitBreaker

    def getconn(self, timeout: float | None = None):
        wait = BreakerWait(self.breaker, self.timeout if timeout is None else timeout)
        while True:
            try:
                return super().getconn(timeout=wait.next_slice())
            except PoolTimeout:
                wait.sliced_out()
