"""The Redis pools: a burst waits for a connection, exhaustion is `RedisBusy` (not "down"),
and the circuit breaker turns an unreachable Redis into an immediate `RedisUnavailable`."""

from __future__ import annotations

import asyncio

import hiredis
import pytest
import redis
import redis.asyncio as aioredis
import redis.asyncio.connection as redis_connection
from django.conf import settings

from core.circuit import CircuitBreaker
from core.redis_client import (
    REDIS_DOWN_ERRORS,
    AsyncBreakerBlockingPool,
    BreakerBlockingPool,
    GatewayAsyncRedis,
    RedisBusy,
    RedisUnavailable,
    TimedPipeline,
    redis_breaker,
    sync_redis,
)

DEAD_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens


def _breaker(threshold: int = 2) -> CircuitBreaker:
    # A cool-down no test waits for: the breaker stays open once opened.
    return CircuitBreaker(
        "test", failure_threshold=threshold, cooldown_seconds=3600, probe=lambda: None
    )


def _async_client(url: str, breaker: CircuitBreaker, **pool) -> aioredis.Redis:
    pool.setdefault("max_connections", 5)
    pool.setdefault("timeout", 5)
    made = AsyncBreakerBlockingPool.from_url(
        url, breaker=breaker, socket_connect_timeout=0.5, socket_timeout=0.5, **pool
    )
    return aioredis.Redis.from_pool(made)


@pytest.fixture
def breaker():
    made = _breaker()
    yield made
    made.close()


async def test_a_burst_larger_than_the_pool_waits_for_connections(breaker):
    client = _async_client(settings.REDIS_URL, breaker, max_connections=5)

    counts = await asyncio.gather(*(client.incr("burst") for _ in range(300)))

    assert sorted(counts) == list(range(1, 301))
    assert breaker.allow()
    await client.aclose()


async def test_an_exhausted_pool_is_busy_not_down(breaker):
    client = _async_client(settings.REDIS_URL, breaker, max_connections=1, timeout=0.05)
    held = await client.connection_pool.get_connection()
    try:
        with pytest.raises(RedisBusy) as raised:
            await client.get("anything")
    finally:
        await client.connection_pool.release(held)

    assert not isinstance(raised.value, REDIS_DOWN_ERRORS)
    assert raised.value.status_code == 503
    assert breaker.allow()
    await client.aclose()


def test_an_exhausted_sync_pool_is_busy_not_down(breaker):
    pool = BreakerBlockingPool.from_url(
        settings.REDIS_URL, breaker=breaker, max_connections=1, timeout=0.05
    )
    client = redis.Redis(connection_pool=pool)
    held = pool.get_connection()
    try:
        with pytest.raises(RedisBusy):
            client.get("anything")
    finally:
        pool.release(held)
    assert breaker.allow()
    client.close()


async def test_a_wait_for_the_pool_that_outlasts_redis_is_down_not_busy(breaker):
    # Redis froze: its connections are held by calls timing out and the breaker opens
    # while this caller waits, so its Redis-down policy applies, not "busy".
    client = _async_client(settings.REDIS_URL, breaker, max_connections=1, timeout=0.2)
    held = await client.connection_pool.get_connection()
    waiting = asyncio.create_task(client.connection_pool.get_connection())
    await asyncio.sleep(0)  # the task is now waiting for the held connection
    for _ in range(2):
        breaker.record_failure(TimeoutError("frozen"))
    try:
        with pytest.raises(RedisUnavailable):
            await waiting
    finally:
        await client.connection_pool.release(held)
    await client.aclose()


async def test_failed_connections_open_the_breaker_and_calls_then_fail_at_once(breaker):
    client = _async_client(DEAD_URL, breaker)

    for _ in range(2):
        with pytest.raises(REDIS_DOWN_ERRORS):
            await client.get("x")

    assert not breaker.allow()
    with pytest.raises(RedisUnavailable) as raised:
        await client.get("x")
    assert isinstance(raised.value, REDIS_DOWN_ERRORS)  # every "Redis down" path handles it
    await client.aclose()


def test_the_sync_pool_reports_to_the_breaker_too(breaker):
    pool = BreakerBlockingPool.from_url(DEAD_URL, breaker=breaker, socket_connect_timeout=0.5)
    client = redis.Redis(connection_pool=pool, retry=None)

    for _ in range(2):
        with pytest.raises(REDIS_DOWN_ERRORS):
            client.get("x")

    with pytest.raises(RedisUnavailable):
        client.get("x")
    client.close()


async def test_a_successful_reply_closes_an_open_breaker():
    breaker = _breaker(threshold=1)
    breaker.record_failure(OSError("refused"))
    assert not breaker.allow()
    # What the background probe does once Redis answers: any reply closes it.
    breaker.record_success()

    client = _async_client(settings.REDIS_URL, breaker)
    assert await client.ping()
    assert breaker.allow()
    await client.aclose()


def test_the_django_cache_uses_the_bounded_pool_behind_the_process_breaker():
    pool = sync_redis().connection_pool

    assert isinstance(pool, BreakerBlockingPool)
    assert pool.max_connections == settings.REDIS_POOL_MAX_CONNECTIONS
    assert pool.breaker is redis_breaker()


# --- pipelines read their replies under one timeout --------------------------------------


def _gateway_client(url: str, breaker: CircuitBreaker) -> GatewayAsyncRedis:
    made = AsyncBreakerBlockingPool.from_url(
        url, breaker=breaker, max_connections=2, timeout=5, socket_timeout=0.3, retry=None
    )
    return GatewayAsyncRedis.from_pool(made)


async def test_a_pipeline_reads_every_reply_without_a_timer_each(breaker, monkeypatch):
    client = _gateway_client(settings.REDIS_URL, breaker)
    assert await client.ping()  # the connection is set up (its own timers) before counting
    timers: list[tuple[str, float]] = []

    def counting(where: str, real):
        def timeout(delay):
            timers.append((where, delay))
            return real(delay)

        return timeout

    # redis-py's per-reply timer (its module's `async_timeout`) and the pipeline's own.
    monkeypatch.setattr(
        redis_connection, "async_timeout", counting("reply", redis_connection.async_timeout)
    )
    monkeypatch.setattr(asyncio, "timeout", counting("pipeline", asyncio.timeout))

    async with client.pipeline(transaction=False) as pipe:
        for _ in range(20):
            pipe.incr("counted")
        replies = await pipe.execute()

    assert isinstance(pipe, TimedPipeline)
    assert replies == list(range(1, 21))
    # The socket timeout (0.3 s) is armed once, by the pipeline, not once per reply (the
    # pool's wait for a connection has a timer of its own, REDIS_POOL_TIMEOUT).
    assert [timer for timer in timers if timer[1] == 0.3] == [("pipeline", 0.3)]
    assert breaker.allow()
    await client.aclose()


async def test_a_pipeline_that_gets_no_replies_times_out_once(breaker):
    async def frozen_after_handshake(reader, writer) -> None:
        # Answers the connection's setup commands, then freezes: the pipeline's INCRs are
        # read and never answered.
        while data := await reader.read(65536):
            if b"INCR" in data:
                continue
            writer.write(b"+OK\r\n" * data.count(b"*"))
            await writer.drain()

    server = await asyncio.start_server(frozen_after_handshake, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = _gateway_client(f"redis://127.0.0.1:{port}/0", breaker)
    pipe = client.pipeline(transaction=False).incr("a").incr("b").incr("c")
    started = asyncio.get_running_loop().time()
    try:
        with pytest.raises(redis.exceptions.TimeoutError, match="pipeline"):
            await pipe.execute()
        waited = asyncio.get_running_loop().time() - started
    finally:
        server.close()
        await client.aclose()

    assert waited < 3 * 0.3  # one timeout for the three replies, not one each
    assert breaker.allow()  # one failure counted; the threshold is two
    breaker.record_failure(TimeoutError("another"))
    assert not breaker.allow()


async def test_a_connection_whose_handshake_gets_no_reply_counts_one_failure(breaker):
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts, reads the handshake, never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = _gateway_client(f"redis://127.0.0.1:{port}/0", breaker)
    try:
        with pytest.raises(redis.exceptions.TimeoutError):
            await client.get("x")
    finally:
        server.close()
        await client.aclose()

    assert breaker.allow()  # one failure, not two: the threshold is two


async def test_async_connections_pack_commands_with_hiredis_and_round_trip(breaker, monkeypatch):
    packed_by_hiredis = []
    real_pack = hiredis.pack_command
    monkeypatch.setattr(
        hiredis, "pack_command", lambda args: packed_by_hiredis.append(args) or real_pack(args)
    )
    client = _async_client(settings.REDIS_URL, breaker)
    packing = client.connection_pool.connection_class()
    python = redis_connection.Connection()  # redis-py's own Python packer
    commands = [
        ("HINCRBYFLOAT", "metrics:llm:ttft", "llama3.2:3b\tsum", 2.38459999764018e-05),
        ("SET", "cache:é", b"\x00\xff", "EX", 86400),
        ("CONFIG GET", "maxmemory"),
    ]
    for command in commands:
        assert b"".join(packing.pack_command(*command)) == b"".join(python.pack_command(*command))
    assert len(packed_by_hiredis) == len(commands)  # the Python packer never calls it
    with pytest.raises(redis.exceptions.DataError):
        packing.pack_command("SET", "k", True)

    key = "test:packing:é"
    async with client.pipeline(transaction=False) as pipe:
        pipe.set(key, "naïve", ex=60).hincrbyfloat(key + ":h", "f\tsum", 0.25).get(key)
        assert await pipe.execute() == [True, 0.25, "naïve".encode()]
    await client.delete(key, key + ":h")
    await client.aclose()
