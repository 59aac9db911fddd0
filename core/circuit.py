"""A circuit breaker: after repeated failures a dependency is skipped at once until a probe
finds it back.

    breaker = CircuitBreaker("redis", failure_threshold=3, cooldown_seconds=2, probe=ping)
    if not breaker.allow(): fail fast
    ... breaker.record_success() / breaker.record_failure(exc)

Closed: every call goes through; `failure_threshold` failures in a row open it — but a
failure of a call during which the dependency answered someone else does not count: a
timeout on an overloaded event loop says "we are busy", not "it is down". Open:
`allow()` is False, so callers fail in microseconds instead of waiting out a socket or
connect timeout on every request. Half-open: after each cool-down a background thread
runs `probe` (one PING, one connect); success closes the breaker, failure waits another
cool-down. The probe runs off the request path, so no request pays for it; any success
reported by a caller in the meantime (a reconnect that worked) closes it too.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Literal

logger = logging.getLogger(__name__)

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Thread-safe; one instance per dependency per process."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        cooldown_seconds: float,
        probe: Callable[[], object],
    ) -> None:
        self.name = name
        self.failure_threshold = max(1, failure_threshold)
        self.cooldown_seconds = cooldown_seconds
        self.probe = probe
        self._state: State = "closed"
        self._failures = 0
        self._last_success = -math.inf  # time.monotonic() of the last answer
        self._changed = threading.Condition()
        self._prober: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def state(self) -> State:
        return self._state

    def allow(self) -> bool:
        """Whether a call may go to the dependency now (a read of one attribute, no lock)."""
        return self._state == "closed"

    def answered_since(self, started: float) -> bool:
        """Whether the dependency answered any call after `started` (time.monotonic())."""
        return self._last_success >= started

    def record_success(self) -> None:
        self._last_success = time.monotonic()
        if self._state == "closed" and self._failures == 0:
            return  # the hot path: nothing to change, no lock taken
        with self._changed:
            was = self._state
            self._state, self._failures = "closed", 0
            self._changed.notify_all()
        if was != "closed":
            logger.warning("%s circuit closed: %s answers again", self.name, self.name)

    def record_failure(
        self, error: BaseException | None = None, *, started: float = math.inf
    ) -> None:
        """A call failed; `started` (time.monotonic()) is when it began, if known."""
        with self._changed:
            if self._state != "closed" or self.answered_since(started):
                return
            self._failures += 1
            if self._failures < self.failure_threshold:
                return
            self._state = "open"
            self._changed.notify_all()
            start_prober = self._prober is None or not self._prober.is_alive()
            if start_prober:
                self._prober = threading.Thread(
                    target=self._probe_until_closed, name=f"{self.name}-circuit", daemon=True
                )
        logger.warning(
            "%s circuit open after %d failure(s) in a row (%s): calls fail fast, "
            "probing every %g s",
            self.name,
            self.failure_threshold,
            error,
            self.cooldown_seconds,
        )
        if start_prober:
            self._prober.start()

    def wait_for(self, state: State, timeout: float) -> bool:
        """Block until the breaker is in `state` (or `timeout` passes); True if it is."""
        with self._changed:
            return self._changed.wait_for(lambda: self._state == state, timeout)

    def close(self) -> None:
        """Stop the probe thread (tests, shutdown); the breaker stays usable."""
        self._stopped.set()

    def _probe_until_closed(self) -> None:
        while not self._stopped.wait(self.cooldown_seconds):
            with self._changed:
                if self._state == "closed":
                    return
                self._state = "half_open"
                self._changed.notify_all()
            try:
                self.probe()
            except Exception as exc:  # any failure of the probe means "still away"
                logger.info("%s still unavailable: %s", self.name, exc)
                with self._changed:
                    if self._state == "half_open":
                        self._state = "open"
                        self._changed.notify_all()
                continue
            self.record_success()
            return
