"""One pool of threads for every synchronous call a request makes.

Django's ASGI handler wraps each request in a fresh `ThreadSensitiveContext`: asgiref then
starts a one-thread executor for the request's first `sync_to_async` call (the event loop
blocks until that thread is running) and another thread to join it when the request ends.
The profile of chat at c=10 showed those two thread starts as the largest wait of the
event loop. Instead, `SharedSyncThreads` (the outermost ASGI layer of llmgateway/asgi.py)
puts every request in one process-wide context whose executor is a pool of reused threads.

What "thread-sensitive" promised still holds where it matters: a synchronous call nested
inside `async_to_sync` returns to its own thread (asgiref checks that first), and nothing in
the gateway keeps database state between two hops of a request (each hop is one
transaction). Because a thread now serves many requests, each job returns its database
connections when it ends (`close_old_connections`, as Django does at the start and end of
a request), so a pooled connection never waits in an idle thread.

The pool has more threads than PostgreSQL connections (DB_POOL_MAX_SIZE): while the
database is slow, the extra threads wait for a connection and get the pool's timeout (503)
rather than leaving requests queued out of sight.

After a response is sent, Django's ASGI handler closes it through `sync_to_async`: one more
thread hop per request, about 0.3 ms of CPU that contended with the next request. Closing
runs the response's resource closers and `request_finished`, whose receivers left here
(`close_caches`, `reset_urlconf`; `close_old_connections` is redundant, as above) do no
I/O, so the close runs on the loop instead (`_close_responses_on_loop`).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync, ThreadSensitiveContext
from django.conf import settings
from django.core.handlers import asgi as django_asgi
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, reset_queries
from django.http import HttpResponseBase

THREAD_NAME_PREFIX = "gateway-sync"
# Threads when the connection pool is off (DB_POOL_MAX_SIZE=0).
UNPOOLED_THREADS = 20


def _returning_connections(fn, /, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    finally:
        close_old_connections()
        if settings.DEBUG:
            reset_queries()  # DEBUG logs every query per connection; keep it per job


class ConnectionReturningExecutor(ThreadPoolExecutor):
    """A thread pool whose every job hands its database connections back when it ends."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return super().submit(_returning_connections, fn, *args, **kwargs)


def _thread_count() -> int:
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict) and pool.get("max_size"):
        return 2 * int(pool["max_size"]) + 4
    return UNPOOLED_THREADS


executor = ConnectionReturningExecutor(
    max_workers=_thread_count(), thread_name_prefix=THREAD_NAME_PREFIX
)

# Never entered, so never exited: a task that outlives its request (a ledger row written
# after the client left) can still make thread-sensitive calls through it.
_process_context = ThreadSensitiveContext()
SyncToAsync.context_to_thread_executor[_process_context] = executor


class SharedSyncThreads:
    """ASGI middleware: the request's synchronous calls run on the shared pool."""

    def __init__(self, app: Any) -> None:
        self.app = app
        # Jobs return their connections and reset the query log themselves, so Django's
        # receivers of request_started are redundant here; without receivers, Django
        # sends it without a thread hop.
        request_started.disconnect(close_old_connections)
        request_started.disconnect(reset_queries)
        request_finished.disconnect(close_old_connections)
        _close_responses_on_loop()

    async def __call__(self, scope, receive, send):
        token = SyncToAsync.thread_sensitive_context.set(_process_context)
        try:
            return await self.app(scope, receive, send)
        finally:
            SyncToAsync.thread_sensitive_context.reset(token)


def _close_responses_on_loop() -> None:
    """Make the ASGI handler close responses on the loop, without a thread hop.

    The handler (django.core.handlers.asgi, Django is pinned) calls `sync_to_async` only to
    close a response once it is sent; any other callable still gets a thread.
    """
    thread_hop = django_asgi.sync_to_async
    if getattr(thread_hop, "closes_responses_on_loop", False):
        return

    def sync_to_async(func, *args, **kwargs):
        if isinstance(getattr(func, "__self__", None), HttpResponseBase):

            async def close_now() -> None:
                func()

            return close_now
        return thread_hop(func, *args, **kwargs)

    sync_to_async.closes_responses_on_loop = True
    django_asgi.sync_to_async = sync_to_async
