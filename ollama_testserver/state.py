"""Mutable server state shared by the event-loop thread and the test thread.

Everything here is guarded by one lock. A `generation` number changes on every reset, so a
stream left over from an earlier test can never count as a disconnect in the next one.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

from .catalog import Catalog, ModelSpec
from .script import Script

KEEP_ALIVE_NS = 5 * 60 * 1_000_000_000  # Ollama's default keep_alive of 5m, for /api/ps


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (`headers` look-ups are case-insensitive)."""

    path: str
    method: str
    body: dict | None
    headers: Mapping[str, str]
    received_at: float = 0.0


@dataclass(eq=False)
class Ticket:
    """One chat/generate response in flight."""

    request: web.Request
    generation: int
    self_aborted: bool = False  # our own drop_midstream is not a client disconnect
    id: int = field(default_factory=itertools.count().__next__)

    def abort(self) -> None:
        """Cut the TCP connection without a proper end (transport.abort, an RST)."""
        self.self_aborted = True
        if self.request.transport is not None:
            self.request.transport.abort()


class ServerState:
    """The catalog, the script, the request log, and the responses in flight."""

    def __init__(
        self, catalog: Catalog, script: Script, version: str, max_recorded: int | None
    ) -> None:
        self.catalog = catalog
        self.script = script
        self.version = version
        self._lock = threading.Lock()
        self._records: deque[RecordedRequest] = deque(maxlen=max_recorded)
        self._disconnects = 0
        self._generation = 0
        self._active: dict[int, Ticket] = {}
        self._peak_active = 0
        self._reported: list = []  # the Metrics of every final chunk sent (fleet metering)
        self._loaded: dict[str, int] = {}  # model name -> expiry (time.time_ns)
        self._failing: dict[str, list] = {}  # path -> [status, message, uses left or None]

    # --- request log -------------------------------------------------------------------
    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._records.append(request)

    @property
    def records(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    # --- streams -----------------------------------------------------------------------
    def open_stream(self, request: web.Request) -> Ticket:
        with self._lock:
            ticket = Ticket(request=request, generation=self._generation)
            self._active[ticket.id] = ticket
            self._peak_active = max(self._peak_active, len(self._active))
            return ticket

    def close_stream(self, ticket: Ticket) -> None:
        with self._lock:
            self._active.pop(ticket.id, None)

    def note_disconnect(self, ticket: Ticket) -> None:
        """The client went away before the response was complete."""
        with self._lock:
            if not ticket.self_aborted and ticket.generation == self._generation:
                self._disconnects += 1

    @property
    def disconnects(self) -> int:
        with self._lock:
            return self._disconnects

    @property
    def active_count(self) -> int:
        with self._lock:
            return len(self._active)

    @property
    def peak_active(self) -> int:
        """The most chat/generate responses in progress at once since the last reset."""
        with self._lock:
            return self._peak_active

    def report(self, metrics) -> None:
        """A final chunk went out carrying `metrics` (the durations a client meters)."""
        with self._lock:
            self._reported.append(metrics)

    @property
    def reported(self) -> list:
        with self._lock:
            return list(self._reported)

    def active_tickets(self) -> list[Ticket]:
        with self._lock:
            return list(self._active.values())

    # --- scripted failures of whole endpoints ----------------------------------------
    def fail(self, path: str, status: int, message: str, times: int | None) -> None:
        with self._lock:
            self._failing[path] = [status, message, times]

    def take_failure(self, path: str) -> tuple[int, str] | None:
        """The (status, message) to answer `path` with now, if a failure is scripted."""
        with self._lock:
            entry = self._failing.get(path)
            if entry is None:
                return None
            status, message, times = entry
            if times is not None:
                entry[2] = times - 1
                if entry[2] <= 0:
                    del self._failing[path]
            return status, message

    # --- loaded models (/api/ps) -------------------------------------------------------
    def mark_loaded(self, spec: ModelSpec) -> None:
        with self._lock:
            self._loaded[spec.name] = time.time_ns() + KEEP_ALIVE_NS

    def loaded(self) -> list[tuple[ModelSpec, int]]:
        now = time.time_ns()
        with self._lock:
            names = [(name, exp) for name, exp in self._loaded.items() if exp > now]
        return [(self.catalog.models[name], exp) for name, exp in names]

    # --- reset -------------------------------------------------------------------------
    def reset(self) -> list[Ticket]:
        """Forget the log, counters and loaded models; return the streams now stale."""
        with self._lock:
            self._generation += 1
            self._records.clear()
            self._disconnects = 0
            self._loaded.clear()
            self._peak_active = len(self._active)
            self._reported.clear()
            self._failing.clear()
            return list(self._active.values())
