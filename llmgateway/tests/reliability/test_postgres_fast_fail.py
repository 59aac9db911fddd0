"""PostgreSQL away: requests fail fast (≤ 1 s) with 503 `database_unavailable`; a busy
connection pool is not an outage.

The gateway reaches the shared PostgreSQL through a TCP proxy that is cut (connections
refused) or blackholed (accepted, never answered); the server itself is never touched.
DB_POOL_TIMEOUT stays at its default (5 s), so an answer within 1 s is the circuit
breaker's doing (core/db_backend), not the pool giving up. Before it, every request of a
PostgreSQL outage waited out the pool timeout.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from django.db import connection

from llmgateway.tests.reliability.client import assert_envelope, bearer
from llmgateway.tests.reliability.conftest import client_for
from llmgateway.tests.reliability.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

FAST_SECONDS = 1.0
# Blackholed connects give up after DB_CONNECT_TIMEOUT; then the breaker opens.
CONNECT_TIMEOUT_SECONDS = 2
RECOVERY_SECONDS = 15.0
LIST = "/api/conversations/"


def _url(port: int) -> str:
    db = connection.settings_dict
    return f"postgres://{db.get('USER') or 'postgres'}@127.0.0.1:{port}/{db['NAME']}"


@pytest.fixture(scope="module")
def db_proxy(django_db_setup):
    db = connection.settings_dict
    proxy = TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def gateway(start_gateway, db_proxy, ollama_server_session):
    return start_gateway(
        DATABASE_URL=_url(db_proxy.port),
        DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT_SECONDS),
        DB_BREAKER_COOLDOWN="0.3",
        OLLAMA_URL=ollama_server_session.url,
    )


@pytest.fixture
def database(db_proxy, gateway):
    """The link to PostgreSQL, open at the start of every test and once it ends, and the
    gateway's breaker closed again."""
    db_proxy.restore()
    with client_for(gateway) as http:
        wait_until_healthy(http)
    yield db_proxy
    db_proxy.restore()


def wait_until_healthy(http: httpx.Client) -> float:
    started = time.monotonic()
    while http.get("/health").status_code != 200:
        assert time.monotonic() - started < RECOVERY_SECONDS, "never healthy again"
        time.sleep(0.1)
    return time.monotonic() - started


def timed_get(http: httpx.Client, path: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = http.get(path)
    return response, time.monotonic() - started


def test_every_request_fails_fast_with_503_once_postgres_refuses(gateway, database, chat_user):
    with client_for(gateway, chat_user) as http:
        database.cut()
        answers = [timed_get(http, LIST) for _ in range(5)]

    for response, seconds in answers:
        assert_envelope(response, 503, "database_unavailable")
        assert seconds < FAST_SECONDS, [round(s, 2) for _, s in answers]


def test_a_partition_costs_one_connect_timeout_then_requests_fail_fast(
    gateway, database, chat_user
):
    with client_for(gateway, chat_user) as http:
        database.blackhole()
        answers = [timed_get(http, LIST) for _ in range(6)]

    seconds = [round(s, 2) for _, s in answers]
    for response, _ in answers:
        assert_envelope(response, 503, "database_unavailable")
    # Until one connect has timed out nothing says the database is gone; then the breaker.
    assert max(seconds) < CONNECT_TIMEOUT_SECONDS + FAST_SECONDS, seconds
    assert max(seconds[-3:]) < FAST_SECONDS, seconds


def test_health_is_503_at_once_and_recovers_by_itself(gateway, database, chat_user):
    with client_for(gateway, chat_user) as http:
        database.cut()
        timed_get(http, LIST)  # finds the database gone
        health, seconds = timed_get(http, "/health")
        database.restore()
        recovered_in = wait_until_healthy(http)
        after = http.get(LIST)

    assert (health.status_code, health.json()["checks"]["database"]) == (503, "down")
    assert seconds < FAST_SECONDS
    assert recovered_in < RECOVERY_SECONDS
    assert after.status_code == 200, after.text


async def _many(url: str, headers: dict, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        return await asyncio.gather(*(client.get(LIST) for _ in range(count)))


def test_a_busy_pool_makes_requests_wait_not_fail(start_gateway, chat_user, tmp_path):
    """Two pooled connections, sixty concurrent requests: they queue, all answer 200."""
    busy = start_gateway(DB_POOL_MAX_SIZE="2", DB_POOL_TIMEOUT="30")

    responses = asyncio.run(_many(busy.url, bearer(chat_user), 60))

    assert [r.status_code for r in responses] == [200] * 60
    assert httpx.get(f"{busy.url}/health", timeout=10).json()["checks"]["database"] == "ok"
