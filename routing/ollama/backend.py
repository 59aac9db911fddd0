"""One Ollama backend as the fleet sees it: health, models, load, and its circuit breaker.

A `Backend` is plain state; the fleet mutates it under its lock. The breaker opens after
BREAKER_THRESHOLD consecutive failures; after BREAKER_COOLDOWN_SECONDS one call (or one
successful probe) is let through as a trial, and its success closes the breaker again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum

from routing.ollama.admin import normalize_model_name

BREAKER_THRESHOLD = 3
BREAKER_COOLDOWN_SECONDS = 10.0


class BackendState(StrEnum):
    UNKNOWN = "unknown"  # not probed yet
    UP = "up"  # answers its probes, breaker closed
    DOWN = "down"  # its last probe (or call) found nobody listening
    OPEN = "open"  # breaker open: calls failed in a row, cooling down
    HALF_OPEN = "half_open"  # cool-down over: one trial call decides


@dataclass
class Backend:
    url: str
    reachable: bool | None = None
    version: str = ""
    served: tuple[str, ...] = ()  # normalised names from the last /api/tags that answered
    served_known: bool = False
    loaded: tuple[str, ...] = ()  # /api/ps
    in_flight: int = 0
    queued: int = 0
    calls: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    opened_at: float | None = None  # time.monotonic() when the breaker opened
    trial_in_flight: bool = False
    last_check: float | None = None  # time.time() of the last probe
    last_error: str = ""
    last_pick: dict[str, int] = field(default_factory=dict)  # model -> pick sequence

    # --- what the fleet asks ---------------------------------------------------------
    def serves(self, model: str) -> bool:
        return normalize_model_name(model) in self.served

    def state(self, now: float | None = None) -> BackendState:
        if self.opened_at is not None:
            cooled = (now or time.monotonic()) - self.opened_at >= BREAKER_COOLDOWN_SECONDS
            return BackendState.HALF_OPEN if cooled else BackendState.OPEN
        if self.reachable is None:
            return BackendState.UNKNOWN
        return BackendState.UP if self.reachable else BackendState.DOWN

    def available(self, now: float) -> bool:
        """Healthy enough for ordinary traffic (a half-open one takes a single trial)."""
        state = self.state(now)
        if state is BackendState.HALF_OPEN:
            return self.reachable is not False and not self.trial_in_flight
        return state is BackendState.UP

    def has_room(self, cap: int) -> bool:
        return cap <= 0 or self.in_flight < cap

    # --- what happens to it ------------------------------------------------------------
    def probed(self, *, served: list[str], loaded: list[str], version: str) -> None:
        self.reachable = True
        self.served = tuple(normalize_model_name(name) for name in served)
        self.served_known = True
        self.loaded = tuple(normalize_model_name(name) for name in loaded)
        self.version = version
        self.last_error = ""
        self.last_check = time.time()

    def probe_failed(self, error: str) -> None:
        self.reachable = False
        # Nothing is known to be loaded on a backend that does not answer (a crashed
        # Ollama has nothing in memory); what it serves stays known, so a model whose
        # every backend is out still has somewhere to try.
        self.loaded = ()
        self.last_error = error
        self.last_check = time.time()
        if self.opened_at is not None:
            self.opened_at = time.monotonic()  # still out: the cool-down starts again

    def call_started(self, now: float) -> None:
        self.in_flight += 1
        self.calls += 1
        if self.state(now) is BackendState.HALF_OPEN:
            self.trial_in_flight = True

    def call_succeeded(self) -> None:
        self.in_flight -= 1
        self.consecutive_failures = 0
        self.opened_at = None
        self.trial_in_flight = False
        self.reachable = True

    def call_failed(self, error: str, *, refused: bool) -> None:
        self.in_flight -= 1
        self.failures += 1
        self.consecutive_failures += 1
        self.last_error = error
        if refused:
            self.reachable = False  # nobody listens: skip it until a probe answers
        if self.trial_in_flight or self.consecutive_failures >= BREAKER_THRESHOLD:
            self.opened_at = time.monotonic()
        self.trial_in_flight = False

    def call_ended(self) -> None:
        """A call that says nothing about the backend's health (cancelled, a 4xx)."""
        self.in_flight -= 1
        self.trial_in_flight = False
