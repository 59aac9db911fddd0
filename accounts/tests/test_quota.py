"""The per-minute quota: exact under concurrency, per user, 429 envelope with Retry-After."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx
import redis.asyncio as aioredis

from accounts import quota
from accounts.models import User
from accounts.quota import quota_consume, quota_key
from core.errors import QuotaExceeded
from core.redis_client import sync_redis
from routing.tests.chat.helpers import CHAT, STREAM, bearer


def _away_from_a_minute_boundary() -> None:
    """A burst that straddles two minutes is two quotas; start it safely inside one."""
    seconds = time.time() % 60
    if seconds > 55:
        time.sleep(60 - seconds + 0.1)


async def _burst(url: str, headers: dict, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        return await asyncio.gather(
            *(client.post(CHAT, json={"query": f"question number {i}"}) for i in range(count))
        )


def test_it_admits_exactly_the_limit_of_concurrent_requests(gateway, chat_user):
    chat_user.quota_per_minute = 10
    chat_user.save(update_fields=["quota_per_minute"])
    _away_from_a_minute_boundary()

    responses = asyncio.run(_burst(gateway.url, bearer(chat_user), 30))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [429] * 20
    for rejected in (r for r in responses if r.status_code == 429):
        assert rejected.json()["error"]["code"] == "quota_exceeded"
        assert 1 <= int(rejected.headers["Retry-After"]) <= 60
        assert rejected.headers["X-RateLimit-Limit"] == "10"
        assert rejected.headers["X-RateLimit-Remaining"] == "0"
        assert int(rejected.headers["X-RateLimit-Reset"]) % 60 == 0
        assert rejected.json()["request_id"] == rejected.headers["X-Request-ID"]


def test_100_concurrent_chats_each_from_two_users_admit_exactly_20_each(
    gateway, chat_user, outsider
):
    for member in (chat_user, outsider):
        member.quota_per_minute = 20
        member.save(update_fields=["quota_per_minute"])
    _away_from_a_minute_boundary()

    async def both() -> list[list[httpx.Response]]:
        return await asyncio.gather(
            _burst(gateway.url, bearer(chat_user), 100), _burst(gateway.url, bearer(outsider), 100)
        )

    for responses in asyncio.run(both()):
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 20 + [429] * 80


def test_the_stream_endpoint_shares_the_quota_and_refuses_with_json(gateway, chat_user):
    chat_user.quota_per_minute = 1
    chat_user.save(update_fields=["quota_per_minute"])
    _away_from_a_minute_boundary()
    headers = bearer(chat_user)

    first = httpx.post(f"{gateway.url}{CHAT}", headers=headers, json={"query": "hi"}, timeout=30)
    second = httpx.post(f"{gateway.url}{STREAM}", headers=headers, json={"query": "hi"}, timeout=30)

    assert first.status_code == 200
    assert second.status_code == 429
    assert second.headers["Content-Type"].startswith("application/json")
    assert second.json()["error"]["code"] == "quota_exceeded"
    assert "Retry-After" in second.headers


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


async def test_it_fails_open_when_redis_is_down(monkeypatch, caplog):
    down = aioredis.Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    monkeypatch.setattr(quota, "async_redis", lambda: down)

    assert await quota_consume(user=_user("6", per_minute=0)) is None
    assert "fail-open" in caplog.text


async def _admitted(user) -> bool:
    try:
        await quota_consume(user=user)
    except QuotaExceeded:
        return False
    return True
