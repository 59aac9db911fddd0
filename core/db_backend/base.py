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

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool, PoolTimeout

from core.circuit import CircuitBreaker

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
            pool_options["connection_class"] = _reporting_connection(self.breaker)

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


_connection_classes: dict[int, type[psycopg.Connection]] = {}


def _reporting_connection(breaker: CircuitBreaker) -> type[psycopg.Connection]:
    """A psycopg Connection class whose `connect` reports its outcome to `breaker`."""
    if id(breaker) not in _connection_classes:

        class ReportingConnection(psycopg.Connection):
            @classmethod
            def connect(cls, *args, **kwargs):
                try:
                    connection = super().connect(*args, **kwargs)
                except psycopg.OperationalError as exc:
                    breaker.record_failure(exc)
                    raise
                breaker.record_success()
                return connection

        _connection_classes[id(breaker)] = ReportingConnection
    return _connection_classes[id(breaker)]


class FailFastPool(ConnectionPool):
    """A pool whose waiting clients give up as soon as the breaker opens."""

    breaker: CircuitBreaker
    # How often a waiting request looks at the breaker.
    WAIT_SLICE_SECONDS = 0.2

    def getconn(self, timeout: float | None = None):
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            if not self.breaker.allow():
                raise psycopg.OperationalError("database unavailable (circuit open)")
            remaining = deadline - time.monotonic()
            try:
                return super().getconn(timeout=max(0.01, min(remaining, self.WAIT_SLICE_SECONDS)))
            except PoolTimeout:
                if remaining <= self.WAIT_SLICE_SECONDS:
                    raise PoolTimeout(
                        f"couldn't get a connection after {timeout:.2f} sec"
                    ) from None
