"""Every synchronous call of a request runs on one shared pool and hands its connection back."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections, reset_queries

from accounts.models import User
from core.sync_threads import THREAD_NAME_PREFIX, SharedSyncThreads


@pytest.fixture
def request_started_receivers():
    """SharedSyncThreads disconnects Django's connection receivers: put them back."""
    yield
    request_started.connect(close_old_connections)
    request_started.connect(reset_queries)
    request_finished.connect(close_old_connections)


def _query_and_report() -> tuple[str, object]:
    User.objects.count()  # opens this thread's connection
    return threading.current_thread().name, connections["default"]


async def _serve(app) -> None:
    await SharedSyncThreads(app)({"type": "http"}, None, None)


@pytest.mark.django_db(transaction=True)
async def test_a_requests_sync_calls_run_on_the_pool_and_return_their_connection(
    request_started_receivers,
):
    seen = []

    async def app(scope, receive, send):
        seen.append(await sync_to_async(_query_and_report)())
        seen.append(await sync_to_async(_query_and_report)())

    await _serve(app)

    assert all(name.startswith(THREAD_NAME_PREFIX) for name, _ in seen)
    assert all(connection.connection is None for _, connection in seen)


@pytest.mark.django_db(transaction=True)
async def test_requests_reuse_the_pools_threads(request_started_receivers):
    names = set()

    async def app(scope, receive, send):
        names.add((await sync_to_async(_query_and_report)())[0])

    for _ in range(20):
        await _serve(app)

    # Django's default starts a thread per request; the pool runs them one after another.
    assert len(names) < 20


@pytest.mark.django_db(transaction=True)
async def test_a_task_that_outlives_its_request_can_still_reach_the_database(
    request_started_receivers,
):
    late: list[asyncio.Task] = []

    async def app(scope, receive, send):
        async def after_the_response():
            await asyncio.sleep(0)
            return await sync_to_async(User.objects.count)()

        late.append(asyncio.create_task(after_the_response()))

    await _serve(app)

    assert await late[0] == 0


def test_no_request_started_receiver_is_left_to_cost_a_thread_hop(request_started_receivers):
    SharedSyncThreads(app=None)

    assert not request_started.has_listeners()


def test_no_request_finished_receiver_touches_the_database(request_started_receivers):
    SharedSyncThreads(app=None)

    assert close_old_connections not in [receiver[1]() for receiver in request_finished.receivers]


async def test_a_sent_response_is_closed_on_the_loop_not_in_a_thread(request_started_receivers):
    closed_in: list[str] = []

    def record(**kwargs) -> None:
        closed_in.append(threading.current_thread().name)

    request_finished.connect(record)
    sent: list[dict] = []
    body = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if body:
            return body.pop()
        await asyncio.Event().wait()  # the client stays connected
        return {}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/no-such-page",
        "raw_path": b"/no-such-page",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    try:
        await SharedSyncThreads(ASGIHandler())(scope, receive, send)
    finally:
        request_finished.disconnect(record)

    assert sent[0]["status"] == 404
    assert closed_in == [threading.current_thread().name]
