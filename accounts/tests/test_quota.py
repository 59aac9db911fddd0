"""The per-minute quota: per user, per minute, and QUOTA_WHEN_REDIS_DOWN's three policies.

The bursts against a live gateway (exactly the limit admitted) are in
llmgateway/tests/reliability/test_quota_burst.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from accounts import quota
from accounts.models import User
from accounts.quota import QuotaUnavailable, quota_consume, quota_key
from core.circuit import CircuitBreaker
from core.errors import QuotaExceeded
from core.redis_client import AsyncBreakerBlockingPool, RedisBusy, sync_redis

DEAD_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens


def _user(pk_suffix: str, per_minute: int | None = None) -> User:
    # quota_consume needs only the id and the override: unsaved users keep these tests DB-free.
    return User(id=f"00000000-0000-4000-8000-{pk_suffix:0>12}", quota_per_minute=per_minute)


async def test_the_users_own_limit_overrides_the_default(settings):
    settings.QUOTA_PER_MINUTE = 5
    generous, default = _user("1", per_minute=7), _user("2")

    generous_counts = [await _admitted(generous) for _ in range(8)]
    default_counts = [await _admitted(default) for _ in range(6)]

    assert generous_counts == [True] * 7 + [False]
    assert default_counts == [True] * 5 + [False]


async def test_two_users_do_not_share_a_quota(settings):
    settings.QUOTA_PER_MINUTE = 2
    bob, carol = _user("3"), _user("4")

    assert [await _admitted(bob) for _ in range(3)] == [True, True, False]
    assert [await _admitted(carol) for _ in range(2)] == [True, True]


async def test_the_counter_is_keyed_by_minute_and_expires(settings):
    user = _user("5")
    status = await quota_consume(user=user)

    key = quota_key(user_id=user.pk, at=datetime.now(UTC))
    assert key == f"quota:{user.pk}:{datetime.now(UTC):%Y%m%d%H%M}"
    assert sync_redis().get(key) == b"1"
    assert 0 < sync_redis().ttl(key) <= 120
    assert status.remaining == settings.QUOTA_PER_MINUTE - 1


@pytest.fixture
def redis_down(monkeypatch):
    """quota_consume's Redis is a port where nothing listens."""
    dead = aioredis.Redis.from_url(DEAD_URL, socket_connect_timeout=0.2, retry=None)
    monkeypatch.setattr(quota, "async_redis", lambda: dead)


async def test_locally_it_admits_the_limit_in_memory_while_redis_is_down(settings, redis_down):
    settings.QUOTA_WHEN_REDIS_DOWN = "local"
    user = _user("6", per_minute=2)

    assert [await _admitted(user) for _ in range(3)] == [True, True, False]


async def test_locally_the_429_carries_the_usual_headers(settings, redis_down):
    settings.QUOTA_WHEN_REDIS_DOWN = "local"
    user = _user("7", per_minute=1)
    status = await quota_consume(user=user)

    with pytest.raises(QuotaExceeded) as raised:
        await quota_consume(user=user)

    assert status.remaining == 0
    assert raised.value.headers["X-RateLimit-Limit"] == "1"
    assert 1 <= int(raised.value.headers["Retry-After"]) <= 60


async def test_locally_the_count_carries_on_from_the_last_redis_count(settings, monkeypatch):
    settings.QUOTA_WHEN_REDIS_DOWN = "local"
    user = _user("8", per_minute=3)
    assert [await _admitted(user) for _ in range(2)] == [True, True]  # Redis up: 2 used

    dead = aioredis.Redis.from_url(DEAD_URL, socket_connect_timeout=0.2, retry=None)
    monkeypatch.setattr(quota, "async_redis", lambda: dead)

    assert [await _admitted(user) for _ in range(2)] == [True, False]


async def test_open_admits_everything_with_a_warning(settings, redis_down, monkeypatch, caplog):
    settings.QUOTA_WHEN_REDIS_DOWN = "open"
    monkeypatch.setattr(quota, "_last_warning", float("-inf"))  # rate-limited per process
    user = _user("9", per_minute=0)

    assert [await quota_consume(user=user) for _ in range(3)] == [None, None, None]
    assert "policy 'open'" in caplog.text


async def test_closed_refuses_with_503_while_redis_is_down(settings, redis_down):
    settings.QUOTA_WHEN_REDIS_DOWN = "closed"

    with pytest.raises(QuotaUnavailable) as raised:
        await quota_consume(user=_user("10", per_minute=5))

    assert raised.value.status_code == 503
    assert raised.value.headers["Retry-After"]


async def test_a_busy_pool_is_not_treated_as_redis_down(settings, monkeypatch):
    """An exhausted pool must not skip the count, whatever the policy: it is a 503."""
    settings.QUOTA_WHEN_REDIS_DOWN = "open"
    breaker = CircuitBreaker("t", failure_threshold=1, cooldown_seconds=3600, probe=lambda: None)
    pool = AsyncBreakerBlockingPool.from_url(
        settings.REDIS_URL, breaker=breaker, max_connections=1, timeout=0.05
    )
    client = aioredis.Redis.from_pool(pool)
    monkeypatch.setattr(quota, "async_redis", lambda: client)
    held = await pool.get_connection()
    try:
        with pytest.raises(RedisBusy):
            await quota_consume(user=_user("11", per_minute=5))
    finally:
        await pool.release(held)
        await client.aclose()
    assert breaker.allow()


async def _admitted(user) -> bool:
    try:
        await quota_consume(user=user)
    except QuotaExceeded:
        return False
    return True


async def test_asking_again_for_the_same_request_does_not_count_twice():
    key = quota_key(user_id="12", at=datetime.now(UTC))

    first = await quota._count_in_redis(key, f"{key}:request-a", 0)
    again = await quota._count_in_redis(key, f"{key}:request-a", 0)
    other = await quota._count_in_redis(key, f"{key}:request-b", 0)

    assert (first, again, other) == (1, 1, 2)
    assert sync_redis().get(key) == b"2"


async def test_requests_counted_locally_are_added_to_redis_when_it_returns(settings, monkeypatch):
    settings.QUOTA_WHEN_REDIS_DOWN = "local"
    user = _user("13", per_minute=10)
    real = quota.async_redis
    dead = aioredis.Redis.from_url(DEAD_URL, socket_connect_timeout=0.2, retry=None)
    monkeypatch.setattr(quota, "async_redis", lambda: dead)
    for _ in range(3):
        await quota_consume(user=user)

    monkeypatch.setattr(quota, "async_redis", real)
    status = await quota_consume(user=user)

    assert status.count == 4
    assert sync_redis().get(quota_key(user_id=user.pk, at=datetime.now(UTC))) == b"4"
