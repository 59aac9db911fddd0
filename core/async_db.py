"""Single statements on the event loop: the reads and the writes every request makes outside
a transaction, without a thread hop.

Authentication's lookup, a stateless turn's ledger row and each phase of a chat turn that
only writes (its rows combined into one statement: `aexecute_together`) are one statement
each, in autocommit. Through Django they cost a hop to a worker thread and back (about
0.1-0.15 ms of wall time each way on the chat path, plus the GIL handing over twice); here
they run on psycopg's async connection pool, one per event loop, with the same connection
settings as Django's connections (adapters, time zone, prepared statements) and the same
rules:

- the database's circuit breaker (core/db_backend) is asked first, so while PostgreSQL is
  down a request fails at once; this pool's connects report to the same breaker, and a
  request waiting for a connection gives up as soon as the breaker opens;
- psycopg's errors become Django's (`OperationalError`, `IntegrityError`...), so callers and
  the error handler (503 `database_unavailable`) cannot tell the two paths apart;
- a connection idle for more than IDLE_CHECK_SECONDS is checked as it leaves the pool (one
  empty round trip), so one that died meanwhile (a restart, a cut link) is replaced instead
  of failing the request that drew it; under load connections come back within
  milliseconds and go out unchecked, and a read that finds its connection dead runs once
  more on another. A write is not repeated (it may have committed): a turn's ledger row then
  waits in the outbox (metrics/ledger_outbox.py).

With DB_ASYNC_QUERIES off (SQLite, or the in-process tests, whose rows live in the test's
own uncommitted transaction that only the thread-side connection sees) the statement goes
through Django's connection on the shared thread pool instead.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import Sequence
from typing import Any

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.db.models import Model
from django.db.utils import DatabaseErrorWrapper
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from core.circuit import CircuitBreaker
from core.db_backend.base import BreakerWait, database_breaker, reporting_connection
from core.rows import (
    Statement,
    combined,
    combines,
    execute,
    execute_together,
    fetch_all,
    insert_statement,
    inserted,
)

ALIAS = "default"
APPLICATION_NAME = "llm-gateway async"
# A connection idle longer than this is checked before a request gets it.
IDLE_CHECK_SECONDS = 1.0

_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncFailFastPool] = (
    weakref.WeakKeyDictionary()
)


async def afetch_all(sql: str, params: Sequence[Any]) -> list[tuple]:
    """The rows of one read-only statement."""
    if not settings.DB_ASYNC_QUERIES:
        return await sync_to_async(fetch_all)(sql, params)
    with DatabaseErrorWrapper(connections[ALIAS]):
        pool = await _pool()
        for attempt in range(2):
            reused = False
            try:
                async with pool.connection() as connection:
                    reused = hasattr(connection, "_gateway_idle_since")
                    cursor = await connection.execute(sql, params)
                    return await cursor.fetchall()
            except psycopg.OperationalError:
                # A connection that died since its last use (a restart or a cut link
                # within IDLE_CHECK_SECONDS) fails the read, not the request: the pool
                # drops it, and a read is safe to run again on another one.
                if attempt or not (reused and connection.broken):
                    raise
        raise AssertionError("unreachable")


async def aexecute(sql: str, params: Sequence[Any]) -> None:
    """One statement in its own transaction (autocommit)."""
    if not settings.DB_ASYNC_QUERIES:
        await sync_to_async(execute)(sql, params)
        return
    with DatabaseErrorWrapper(connections[ALIAS]):
        pool = await _pool()
        async with pool.connection() as connection:
            await connection.execute(sql, params)


async def aexecute_together(statements: Sequence[Statement]) -> None:
    """`core.rows.execute_together` on the event loop: the statements as one, all or none.

    Elsewhere than PostgreSQL (no data-modifying WITH, and no async pool) they run as one
    transaction on the shared thread pool."""
    if not combines(ALIAS):
        await sync_to_async(execute_together)(statements)
        return
    await aexecute(*combined(statements))


async def ainsert_instance(instance: Model) -> None:
    """`core.rows.insert_instance` as its own transaction, on the event loop."""
    await aexecute(*insert_statement(instance))
    inserted(instance)


async def close_pool() -> None:
    """Close this event loop's pool (tests, whose loops end with them)."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.close()


async def _pool() -> AsyncFailFastPool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is not None:
        return pool
    django_connection = connections[ALIAS]  # its wrapper makes the alias's breaker
    breaker = database_breaker(ALIAS)
    pool = AsyncFailFastPool(
        kwargs=_connection_kwargs(django_connection.get_connection_params()),
        connection_class=reporting_connection(breaker, psycopg.AsyncConnection),
        configure=_configure,
        check=_check_if_idle,
        min_size=1,
        max_size=settings.DB_ASYNC_POOL_MAX_SIZE,
        timeout=_pool_option("timeout", 5.0),
        reconnect_timeout=_pool_option("reconnect_timeout", 10.0),
        open=False,
    )
    pool.breaker = breaker
    # Starts the connects in the background; the first request waits for one.
    await pool.open(wait=False)
    if _pools.setdefault(loop, pool) is not pool:  # another request made one meanwhile
        await pool.close()
    return _pools[loop]


def _connection_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """Django's connection parameters, less what only its synchronous cursors use."""
    kwargs = {key: value for key, value in params.items() if key != "cursor_factory"}
    kwargs["autocommit"] = True
    # Tells this pool's sessions apart in pg_stat_activity (unless OPTIONS names one).
    kwargs.setdefault("application_name", APPLICATION_NAME)
    return kwargs


def _pool_option(name: str, default: float) -> float:
    pool = settings.DATABASES[ALIAS].get("OPTIONS", {}).get("pool")
    return float(pool.get(name, default)) if isinstance(pool, dict) else default


async def _configure(connection: psycopg.AsyncConnection) -> None:
    """The session time zone Django sets on its own connections (init_connection_state)."""
    zone = connections[ALIAS].timezone_name
    if connection.info.parameter_status("TimeZone") != zone:
        await connection.execute("SELECT set_config('TimeZone', %s, false)", [zone])


async def _check_if_idle(connection: psycopg.AsyncConnection) -> None:
    """The pool's check: an empty statement on a connection that was idle a while."""
    idle_since = getattr(connection, "_gateway_idle_since", -math.inf)
    if time.monotonic() - idle_since > IDLE_CHECK_SECONDS:
        await AsyncConnectionPool.check_connection(connection)


class AsyncFailFastPool(AsyncConnectionPool):
    """An async pool whose waiting clients give up as soon as the breaker opens."""

    breaker: CircuitBreaker

    async def getconn(self, timeout: float | None = None):  # noqa: ASYNC109 (the pool's own signature)
        wait = BreakerWait(self.breaker, self.timeout if timeout is None else timeout)
        while True:
            try:
                return await super().getconn(timeout=wait.next_slice())
            except PoolTimeout:
                wait.sliced_out()

    async def putconn(self, conn: psycopg.AsyncConnection) -> None:
        conn._gateway_idle_since = time.monotonic()  # read by _check_if_idle
        await super().putconn(conn)
