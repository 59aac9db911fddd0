"""PostgreSQL unreachable, under a live gateway: a TCP proxy in front of it is cut.

The shared PostgreSQL itself is never stopped. Policy (docs/RELIABILITY.md): without its
database the gateway cannot authenticate or store anything, so every API endpoint answers
503 `database_unavailable` in the error envelope (never a 500), /health answers 503, no
request waits longer than the pool and connect timeouts, and service resumes by itself
when the database is reachable again.

Order matters here: the connection pool's reconnect back-off grows with every outage, so
the tests that need a working database at their start run first.
"""

from __future__ import annotations

import time

import httpx
import pytest
from django.db import connection

from accounts.services import api_key_create
from conversations.services import conversation_create
from core.redis_client import sync_redis
from llmgateway.tests.reliability.client import CHAT, STREAM, assert_envelope, parse_sse
from llmgateway.tests.reliability.conftest import client_for, is_answer_request
from llmgateway.tests.reliability.tcp_proxy import TcpProxy
from metrics.ledger_outbox import OUTBOX_KEY
from metrics.models import UsageRecord
from ollama_testserver import Reply

pytestmark = pytest.mark.slow

# A request waits at most DB_POOL_TIMEOUT for a pooled connection (5 s by default, 2 s here
# to keep the module quick); "never hangs" is checked loosely.
POOL_TIMEOUT = "2"
BOUNDED_SECONDS = 10.0
# The pool reconnects with a back-off that doubles (1, 2, 4, 8 ... s) while PostgreSQL is
# away, so how soon it is back depends on the outages before: the bound is generous.
RECOVERY_SECONDS = 30.0


@pytest.fixture(scope="module")
def db_proxy(django_db_setup):
    db = connection.settings_dict
    proxy = TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def gateway(start_gateway, db_proxy, ollama_server_session):
    db = connection.settings_dict
    url = f"postgres://{db.get('USER') or 'postgres'}@127.0.0.1:{db_proxy.port}/{db['NAME']}"
    return start_gateway(
        DATABASE_URL=url,
        DB_CONN_MAX_AGE="0",
        DB_POOL_TIMEOUT=POOL_TIMEOUT,
        OLLAMA_URL=ollama_server_session.url,
    )


@pytest.fixture
def database(db_proxy):
    """The gateway's link to PostgreSQL: open at the start and at the end of every test."""
    db_proxy.restore()
    yield db_proxy
    db_proxy.restore()


def wait_until_healthy(http: httpx.Client, within: float = RECOVERY_SECONDS) -> float:
    """Poll /health until it is 200; returns the seconds it took."""
    started = time.monotonic()
    while http.get("/health").status_code != 200:
        assert time.monotonic() - started < within, f"still unhealthy after {within:g} s"
        time.sleep(0.2)
    return time.monotonic() - started


# --- the database goes away in the middle of an answer ---------------------------------
def _cut_while_the_model_answers(database, ollama) -> None:
    """The database goes away after the question is stored, before the answer is."""

    def cut_then_answer(body):
        database.cut()
        return Reply(content="An answer nobody can store.")

    ollama.add_rule(cut_then_answer, when=is_answer_request, times=1)


def test_a_chat_whose_answer_cannot_be_stored_answers_503(gateway, database, ollama, chat_user):
    with client_for(gateway, chat_user) as http:
        wait_until_healthy(http)
        _cut_while_the_model_answers(database, ollama)
        response = http.post(CHAT, json={"query": "hello"})

    assert_envelope(response, 503, "database_unavailable")


def test_a_stream_whose_answer_cannot_be_stored_ends_with_an_error_event(
    gateway, database, ollama, chat_user
):
    timeout = httpx.Timeout(BOUNDED_SECONDS)
    with client_for(gateway, chat_user) as http:
        wait_until_healthy(http)
        _cut_while_the_model_answers(database, ollama)
        try:
            with http.stream("POST", STREAM, json={"query": "hello"}, timeout=timeout) as reply:
                body = reply.read().decode()
        except httpx.ReadTimeout:
            pytest.fail("the stream never ended: the client hangs")

    events = parse_sse(body)
    assert events[-1].event == "error"
    assert events[-1].data["code"] == "database_unavailable"


def test_a_ledger_row_that_could_not_be_stored_is_written_when_postgres_returns(
    gateway, database, ollama, chat_user
):
    """Nothing is lost: the row waits in Redis (the outbox) and a later turn writes it."""
    with client_for(gateway, chat_user) as http:
        wait_until_healthy(http)
        _cut_while_the_model_answers(database, ollama)
        assert http.post(CHAT, json={"query": "kept for later"}).status_code == 503
        assert sync_redis().llen(OUTBOX_KEY) == 1
        database.restore()
        wait_until_healthy(http)
        # A finished turn drains the outbox (at most every few seconds per process).
        deadline = time.monotonic() + RECOVERY_SECONDS
        while sync_redis().llen(OUTBOX_KEY):
            assert time.monotonic() < deadline, "the outbox was never drained"
            assert http.post(CHAT, json={"query": "after the outage"}).status_code == 200
            time.sleep(0.5)

    row = UsageRecord.objects.get(conversation__title="kept for later")
    assert (row.outcome, row.user_id) == ("ok", chat_user.pk)
    assert row.completion_tokens > 0


def test_the_gateway_recovers_by_itself_when_postgres_returns(gateway, database, ollama, chat_user):
    with client_for(gateway, chat_user) as http:
        wait_until_healthy(http)
        database.cut()
        http.post(CHAT, json={"query": "lost in the outage"})
        database.restore()

        wait_until_healthy(http)
        answer = http.post(CHAT, json={"query": "after the outage"})
        assert answer.status_code == 200, answer.text
        conversations = http.get("/api/conversations/").json()["results"]
        assert [c["id"] for c in conversations] == [answer.json()["conversation_id"]]


# --- the database is unreachable ---------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", CHAT),
        ("POST", STREAM),
        ("GET", "/api/conversations/"),
        ("POST", "/api/conversations/"),
        ("GET", "/api/conversations/{id}"),
        ("DELETE", "/api/conversations/{id}"),
    ],
)
def test_the_api_answers_503_database_unavailable_while_postgres_is_unreachable(
    method, path, gateway, database, ollama, chat_user
):
    conversation = conversation_create(user=chat_user, title="kept")
    with client_for(gateway, chat_user) as http:
        database.cut()
        body = {"query": "hello"} if path.startswith("/api/chat") else {}
        response = http.request(method, path.format(id=conversation.pk), json=body)

    assert_envelope(response, 503, "database_unavailable")


def test_api_key_requests_answer_503_database_unavailable_while_postgres_is_unreachable(
    gateway, database, ollama, chat_user
):
    key = api_key_create(user=chat_user, name="ci").raw_key
    with client_for(gateway) as http:
        database.cut()
        response = http.post(CHAT, json={"query": "hello"}, headers={"X-API-Key": key})

    assert_envelope(response, 503, "database_unavailable")


def test_health_answers_503_while_postgres_is_unreachable(gateway, database, ollama):
    database.cut()
    with client_for(gateway) as http:
        response = http.get("/health")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"] == {"database": "down", "redis": "ok", "ollama": "ok"}


@pytest.mark.parametrize(("method", "path"), [("GET", "/health"), ("POST", CHAT)])
def test_no_request_hangs_when_postgres_stops_answering(
    method, path, gateway, database, ollama, chat_user
):
    """A partition (connections accepted, never answered) costs bounded waits, not a hang."""
    database.blackhole()
    with client_for(gateway, chat_user) as http:
        started = time.monotonic()
        response = http.request(method, path, json={"query": "hi"} if method == "POST" else None)
        seconds = time.monotonic() - started

    assert seconds < BOUNDED_SECONDS
    assert response.status_code >= 500
