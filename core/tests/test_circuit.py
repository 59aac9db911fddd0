"""The circuit breaker: opens after failures in a row, probes in the background, closes."""

from __future__ import annotations

import threading

import pytest

from core.circuit import CircuitBreaker

WAIT_SECONDS = 5.0


class Probe:
    """A probe that fails until `recover()`, and counts its calls."""

    def __init__(self) -> None:
        self.up = threading.Event()
        self.called = threading.Event()
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        self.called.set()
        if not self.up.is_set():
            raise ConnectionError("still down")

    def recover(self) -> None:
        self.up.set()


@pytest.fixture
def probe():
    return Probe()


@pytest.fixture
def breaker(probe):
    made = CircuitBreaker("dep", failure_threshold=3, cooldown_seconds=0.01, probe=probe)
    yield made
    made.close()


def test_it_stays_closed_below_the_threshold(breaker):
    breaker.record_failure(OSError("one"))
    breaker.record_failure(OSError("two"))

    assert breaker.state == "closed"
    assert breaker.allow()


def test_a_success_resets_the_count_of_failures_in_a_row(breaker):
    for _ in range(2):
        breaker.record_failure(OSError("x"))
    breaker.record_success()
    for _ in range(2):
        breaker.record_failure(OSError("x"))

    assert breaker.allow()


def test_it_opens_after_the_threshold_and_refuses_calls(breaker, probe):
    for _ in range(3):
        breaker.record_failure(OSError("refused"))

    assert breaker.state in {"open", "half_open"}
    assert not breaker.allow()


def test_a_failing_probe_keeps_it_open_and_a_good_one_closes_it(breaker, probe):
    for _ in range(3):
        breaker.record_failure(OSError("refused"))
    assert probe.called.wait(WAIT_SECONDS)
    assert not breaker.allow()  # the probe failed: still open (or probing again)

    probe.recover()

    assert breaker.wait_for("closed", WAIT_SECONDS)
    assert breaker.allow()
    assert probe.calls >= 2


def test_a_success_reported_by_a_caller_closes_it(breaker):
    for _ in range(3):
        breaker.record_failure(OSError("refused"))

    breaker.record_success()

    assert breaker.state == "closed"
    assert breaker.allow()


def test_it_can_open_again_after_closing(breaker, probe):
    for _ in range(3):
        breaker.record_failure(OSError("refused"))
    probe.recover()
    assert breaker.wait_for("closed", WAIT_SECONDS)
    probe.up.clear()

    for _ in range(3):
        breaker.record_failure(OSError("refused again"))

    assert not breaker.allow()
