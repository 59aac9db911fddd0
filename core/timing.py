"""Server-Timing for chat responses: a per-request accumulator the pipeline steps add to.

The view starts one `RequestTiming` per request; the quota, cache, persistence and usage
wrappers wrap their I/O in `timed("redis")` / `timed("db")` and the agent call in
`timed("llm")`. The accumulator lives in a context variable, so tasks spawned for the
request (the SSE producer) and `sync_to_async` threads add to the same object.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

_current: ContextVar[RequestTiming | None] = ContextVar("chat_request_timing", default=None)


@dataclass
class RequestTiming:
    """Seconds spent per metric since `started` (a `time.perf_counter()` reading)."""

    started: float = field(default_factory=time.perf_counter)
    spent: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, metric: str, seconds: float) -> None:
        self.spent[metric] += seconds

    def elapsed_ms(self) -> int:
        return round((time.perf_counter() - self.started) * 1000)

    def header(self, *, llm: bool = True) -> str:
        """The `Server-Timing` value; `gateway` is everything that was not the model.

        `llm=False` leaves the model out (the SSE headers leave before the model runs).
        """
        total_ms = (time.perf_counter() - self.started) * 1000
        llm_ms = self.spent["llm"] * 1000
        parts = [f"llm;dur={llm_ms:.1f}"] if llm else []
        parts += [
            f"db;dur={self.spent['db'] * 1000:.1f}",
            f"redis;dur={self.spent['redis'] * 1000:.1f}",
            f"gateway;dur={max(0.0, total_ms - llm_ms):.1f}",
        ]
        return ", ".join(parts)


def timing_start() -> RequestTiming:
    """Begin timing the current request (called once, at the top of the chat views)."""
    timing = RequestTiming()
    _current.set(timing)
    return timing


def current_timing() -> RequestTiming | None:
    return _current.get()


@contextmanager
def timed(metric: str) -> Iterator[None]:
    """Add the wall time of the block to `metric` of the current request, if one is timed."""
    started = time.perf_counter()
    try:
        yield
    finally:
        timing = _current.get()
        if timing is not None:
            timing.add(metric, time.perf_counter() - started)
