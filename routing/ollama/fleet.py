"""The Ollama fleet: every call to Ollama gets its backend here (issue 14).

Per backend the fleet keeps health, the models it serves (/api/tags) and has loaded
(/api/ps), calls in flight, waiters and failures (see backend.py). A refresher probes every
backend each REFRESH_INTERVAL_SECONDS on each event loop that makes calls; sync callers
(/health, the admin API, pull_models) refresh on demand. Probes never load a model.

Choosing: among the healthy backends serving the model, the fewest calls in flight; ties go
to the backend this model used least recently, so idle backends share the traffic and stay
warm. With OLLAMA_MAX_CONCURRENCY > 0 a call waits (up to OLLAMA_QUEUE_TIMEOUT) for a
slot. The cap and the queue are per gateway process: the state lives in this process.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
import weakref
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings

from routing.ollama.admin import normalize_model_name
from routing.ollama.backend import Backend, BackendState
from routing.ollama.fleet_errors import (
    BUSY_MESSAGE,
    NO_BACKEND_MESSAGE,
    BackendsBusyError,
    ModelNotServedError,
    NoBackendError,
)
from routing.ollama.probe import probe, probe_client

logger = logging.getLogger(__name__)

REFRESH_INTERVAL_SECONDS = 5.0


def configured_urls() -> list[str]:
    """OLLAMA_URLS when set, else the one OLLAMA_URL (read live: tests override settings)."""
    urls = getattr(settings, "OLLAMA_URLS", None) or [settings.OLLAMA_URL]
    return list(dict.fromkeys(url.rstrip("/") for url in urls))


def warn_if_both_set() -> None:
    """Start-up warning: OLLAMA_URLS and OLLAMA_URL are both set, and OLLAMA_URLS wins."""
    if getattr(settings, "OLLAMA_URLS_AND_URL_SET", False):
        logger.warning(
            "OLLAMA_URLS and OLLAMA_URL are both set; using OLLAMA_URLS (%s) and ignoring "
            "OLLAMA_URL (%s)",
            ",".join(settings.OLLAMA_URLS),
            settings.OLLAMA_URL,
        )


@dataclass
class Lease:
    """One call's hold on a backend; release it exactly once with the call's outcome."""

    fleet: Fleet
    backend: Backend
    waited: float  # seconds spent in the queue
    released: bool = False

    @property
    def url(self) -> str:
        return self.backend.url

    def succeeded(self) -> None:
        self._release(lambda b: b.call_succeeded())

    def failed(self, error: str, *, refused: bool = False) -> None:
        self._release(lambda b: b.call_failed(error, refused=refused))

    def ended(self) -> None:
        self._release(lambda b: b.call_ended())

    def _release(self, update) -> None:
        if self.released:
            return
        self.released = True
        with self.fleet.lock:
            update(self.backend)
        self.fleet.wake_waiters()


class Fleet:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._backends: dict[str, Backend] = {}
        self._sequence = itertools.count(1)
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []
        self._refreshers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task] = (
            weakref.WeakKeyDictionary()
        )
        self._refreshing: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task] = (
            weakref.WeakKeyDictionary()
        )
        self.last_refresh = 0.0  # time.monotonic() of the last completed refresh

    def forget(self) -> None:
        """Drop every backend's state (tests start each case from a fresh fleet)."""
        with self.lock:
            self._backends = {}
        self.last_refresh = 0.0

    # --- the backends ------------------------------------------------------------------
    def backends(self) -> list[Backend]:
        """The configured backends, in configuration order (follows settings changes)."""
        urls = configured_urls()
        with self.lock:
            if list(self._backends) != urls:
                self._backends = {url: self._backends.get(url) or Backend(url) for url in urls}
            return list(self._backends.values())

    def forget_model(self, backend: Backend, model: str) -> None:
        """`backend` answered 404 for `model`: its list was stale until the next probe."""
        name = normalize_model_name(model)
        with self.lock:
            backend.served = tuple(m for m in backend.served if m != name)

    # --- probing -----------------------------------------------------------------------
    async def refresh(self) -> None:
        """Probe every backend now (concurrently), once per loop at a time."""
        loop = asyncio.get_running_loop()
        running = self._refreshing.get(loop)
        if running is None or running.done():
            running = self._refreshing[loop] = loop.create_task(self._refresh())
        await asyncio.shield(running)

    async def _refresh(self) -> None:
        backends = self.backends()
        async with probe_client() as client:
            results = await asyncio.gather(*(probe(client, b.url) for b in backends))
        with self.lock:
            for backend, result in zip(backends, results, strict=True):
                if result.ok:
                    backend.probed(
                        served=result.served, loaded=result.loaded, version=result.version
                    )
                else:
                    backend.probe_failed(result.error)
        self.last_refresh = time.monotonic()
        self.wake_waiters()

    def refresh_blocking(self, *, max_age: float) -> list[Backend]:
        """For sync callers: the backends, probed first when the last refresh is too old."""
        stale = time.monotonic() - self.last_refresh > max_age
        if stale or any(backend.last_check is None for backend in self.backends()):
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                asyncio.run(self._refresh())
            else:  # a sync caller inside a running loop: probe on a helper thread
                worker = threading.Thread(target=asyncio.run, args=(self._refresh(),))
                worker.start()
                worker.join()
        return self.backends()

    def ensure_refresher(self) -> None:
        """Keep a background refresh loop on the running event loop."""
        loop = asyncio.get_running_loop()
        task = self._refreshers.get(loop)
        if task is None or task.done():
            self._refreshers[loop] = loop.create_task(self._refresh_forever())

    async def _refresh_forever(self) -> None:
        while True:
            if time.monotonic() - self.last_refresh >= REFRESH_INTERVAL_SECONDS:
                try:
                    await self.refresh()
                except Exception:  # the loop must survive anything one round hits
                    logger.exception("fleet refresh failed")
            await asyncio.sleep(REFRESH_INTERVAL_SECONDS)

    # --- choosing ----------------------------------------------------------------------
    async def acquire(self, model: str, *, exclude: Collection[str] = ()) -> Lease:
        """A backend for one call to `model`, waiting for a slot when every one is at the cap.

        Raises ModelNotServedError, NoBackendError (nothing left to try) or BackendsBusyError.
        """
        self.ensure_refresher()
        backends = self.backends()
        if len(backends) > 1 and any(b.last_check is None for b in backends):
            # Several backends never probed: learn who serves what before choosing. (One
            # backend is the only choice anyway; its first probe runs in the background.)
            await self.refresh()
        started = time.monotonic()
        deadline = started + settings.OLLAMA_QUEUE_TIMEOUT
        refreshed_for_missing = False
        while True:
            try:
                backend, queue = self._try_pick(model, exclude)
            except ModelNotServedError:
                # A model pulled since the last probe: look again once before saying 404
                # (concurrent calls share one probe round; the quota bounds the rest).
                if refreshed_for_missing:
                    raise
                refreshed_for_missing = True
                await self.refresh()
                continue
            if backend is not None:
                return Lease(self, backend, waited=time.monotonic() - started)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BackendsBusyError(BUSY_MESSAGE, model=model)
            await self._wait(queue, remaining)

    def _try_pick(
        self, model: str, exclude: Collection[str]
    ) -> tuple[Backend | None, list[Backend]]:
        backends = self.backends()
        now = time.monotonic()
        cap = settings.OLLAMA_MAX_CONCURRENCY
        with self.lock:
            candidates = self._candidates(model, backends, exclude, now)
            free = [b for b in candidates if b.has_room(cap)]
            if not free:
                return None, candidates
            fewest = min(b.in_flight for b in free)
            tied = [b for b in free if b.in_flight == fewest]
            chosen = min(tied, key=lambda b: b.last_pick.get(model, 0))
            chosen.last_pick[model] = next(self._sequence)
            chosen.call_started(now)
            return chosen, []

    @staticmethod
    def _candidates(
        model: str, backends: list[Backend], exclude: Collection[str], now: float
    ) -> list[Backend]:
        pool = [b for b in backends if b.url not in exclude]
        healthy = [b for b in pool if b.available(now) and b.serves(model)]
        if healthy:
            return healthy
        # Never leave a model with nothing to try: backends that served it but are out
        # (down, breaker open, trial busy) are tried anyway, so a single Ollama that comes
        # back answers the very next call; then backends never heard from.
        out = [
            b
            for b in pool
            if b.serves(model)
            and not (b.state(now) is BackendState.HALF_OPEN and b.trial_in_flight)
        ]
        if out:
            return out
        unknown = [b for b in pool if not b.served_known]
        if unknown:
            return unknown
        if any(b.serves(model) for b in backends) or not any(b.reachable for b in backends):
            raise NoBackendError(NO_BACKEND_MESSAGE, model=model)
        raise ModelNotServedError(model)

    async def _wait(self, queue: list[Backend], seconds: float) -> None:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        entry = (loop, future)
        with self.lock:
            self._waiters.append(entry)
            for backend in queue:
                backend.queued += 1
        try:
            await asyncio.wait_for(future, seconds)
        except TimeoutError:
            pass
        finally:
            with self.lock:
                if entry in self._waiters:
                    self._waiters.remove(entry)
                for backend in queue:
                    backend.queued -= 1

    def wake_waiters(self) -> None:
        """A slot may be free: every waiter looks again (each re-checks its own model)."""
        with self.lock:
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            if loop.is_closed():
                continue
            loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


_fleet = Fleet()


def fleet() -> Fleet:
    """The process's fleet."""
    return _fleet
