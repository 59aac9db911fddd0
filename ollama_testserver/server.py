"""`OllamaTestServer`: the aiohttp app on a loopback port, in a thread with its own loop.

Running in its own thread lets sync tests, async tests (any event loop) and subprocesses
all talk to it over real HTTP, and lets a test block without starving the server.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from aiohttp import web

from .app import build_app
from .catalog import DEFAULT_MODELS, Catalog, ModelSpec
from .script import Predicate, Reply, Responder, Rule, Script
from .state import RecordedRequest, ServerState

_RESET_GRACE_SECONDS = 2.0


class OllamaTestServer:
    """A scriptable stand-in for Ollama. See the package docstring for the API."""

    def __init__(
        self,
        models: list[str | ModelSpec] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        version: str = "0.12.10",
        latency: float = 0.0,
        chunk_interval: float = 0.0,
        chunks: int | None = None,
        max_recorded: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.catalog = Catalog(list(DEFAULT_MODELS) if models is None else models)
        timing = Reply(first_token_delay=latency, chunk_interval=chunk_interval, chunk_count=chunks)
        self._script = Script(timing)
        self._state = ServerState(self.catalog, self._script, version, max_recorded)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> OllamaTestServer:
        """Bind and serve in a daemon thread; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("OllamaTestServer is already running")
        ready: Future[int] = Future()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="ollama-test-server", daemon=True
        )
        self._thread.start()
        self.port = ready.result(timeout=30)
        return self

    def _serve(self, ready: Future[int]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        # handler_cancellation: a lost connection cancels the handler, which is how a
        # disconnect is noticed while the server is only sleeping (delays, "hang").
        runner = web.AppRunner(
            build_app(self._state), handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        try:
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, self.host, self.port, backlog=1024)
            loop.run_until_complete(site.start())
        except BaseException as exc:
            ready.set_exception(exc)
            loop.close()
            return
        self._loop = loop
        ready.set_result(runner.addresses[0][1])
        try:
            loop.run_forever()
        finally:
            self._abort(self._state.active_tickets())
            loop.run_until_complete(runner.cleanup())
            loop.close()

    def stop(self) -> None:
        """Abort open streams, close the port and join the thread."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)
        self._thread = None
        self._loop = None

    def __enter__(self) -> OllamaTestServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- scripting ---------------------------------------------------------------------
    def reset(self) -> None:
        """Forget rules, the default, the request log and counters; end leftover streams."""
        self._script.reset()
        stale = self._state.reset()
        if not stale or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._abort, stale)
        if threading.current_thread() is self._thread:
            return  # called from a responder on the loop: cannot wait for the loop
        stale_ids = {ticket.id for ticket in stale}

        def all_closed() -> bool:
            return not stale_ids & {ticket.id for ticket in self._state.active_tickets()}

        self._poll(all_closed, _RESET_GRACE_SECONDS, raise_on_timeout=False)

    @staticmethod
    def _abort(tickets: list) -> None:
        for ticket in tickets:
            ticket.abort()

    def add_rule(
        self,
        reply: Responder,
        *,
        model: str | None = None,
        when: str | Predicate | None = None,
        times: int | None = None,
    ) -> None:
        """Answer matching chat/generate requests with `reply` (a Reply or callable(body)).

        `when`: substring of the last user message (case-insensitive) or callable(body)->bool.
        Rules are tried newest first; `times` limits how often a rule is used.
        """
        self._script.add(Rule(reply, model=model, when=when, times=times))

    def on_structured(
        self, reply: Responder, *, model: str | None = None, times: int | None = None
    ) -> None:
        """Shorthand for requests carrying `format` (JSON schema or "json")."""
        self.add_rule(reply, model=model, when=lambda body: bool(body.get("format")), times=times)

    def on_tools(
        self, reply: Responder, *, model: str | None = None, times: int | None = None
    ) -> None:
        """Shorthand for requests whose body has non-empty `tools`."""
        self.add_rule(reply, model=model, when=lambda body: bool(body.get("tools")), times=times)

    def set_default(self, reply: Reply | None) -> None:
        """The answer to plain chats (no `format`) when no rule matches; None restores ours."""
        self._script.set_default(reply)

    def fail(
        self,
        path: str,
        *,
        status: int = 500,
        message: str = "model runner has unexpectedly stopped",
        times: int | None = None,
    ) -> None:
        """Answer every request to `path` (e.g. "/api/embed") with `status` and Ollama's
        `{"error": message}`, `times` times or until the reset; probes of other paths still
        answer. (For chat and generate, a `Reply` fault is finer-grained.)"""
        self._state.fail(path, status, message, times)

    # --- observation -------------------------------------------------------------------
    @property
    def models(self) -> list[str]:
        return self.catalog.names

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._state.records

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self._state.records if r.path == "/api/chat"]

    @property
    def generate_requests(self) -> list[RecordedRequest]:
        return [r for r in self._state.records if r.path == "/api/generate"]

    @property
    def disconnects(self) -> int:
        """Chat/generate responses the client abandoned before the server finished."""
        return self._state.disconnects

    @property
    def active_streams(self) -> int:
        """Chat/generate responses in progress (including those still in their delay)."""
        return self._state.active_count

    @property
    def peak_active_streams(self) -> int:
        """The most chat/generate responses in progress at once since the last reset."""
        return self._state.peak_active

    @property
    def reported_metrics(self) -> list:
        """The `Metrics` (durations in ns, counts) of every final chunk sent since the reset."""
        return self._state.reported

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> bool:
        """Block until `predicate()` is truthy; True, or TimeoutError after `timeout` s."""
        return self._poll(predicate, timeout, raise_on_timeout=True)

    async def async_wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> bool:
        """`wait_for` for async tests: sleeps without blocking the caller's event loop."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            await asyncio.sleep(0.01)
        return True

    @staticmethod
    def _poll(predicate: Callable[[], Any], timeout: float, *, raise_on_timeout: bool) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                if raise_on_timeout:
                    raise TimeoutError(f"condition not met within {timeout} s")
                return False
            time.sleep(0.01)
        return True
