"""Percentiles and summaries of latency samples (all times in seconds, reported in ms)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The `pct` percentile by linear interpolation (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """Count and p50/p95/p99/mean/max of one series, in milliseconds."""

    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    mean: float | None
    max: float | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Summary:
        ms = [value * 1000 for value in seconds]
        if not ms:
            return cls(0, None, None, None, None, None)
        return cls(
            count=len(ms),
            p50=percentile(ms, 50),
            p95=percentile(ms, 95),
            p99=percentile(ms, 99),
            mean=statistics.fmean(ms),
            max=max(ms),
        )

    def get(self, pct: int) -> float | None:
        return {50: self.p50, 95: self.p95, 99: self.p99}[pct]


def difference(a: float | None, b: float | None) -> float | None:
    """a - b, or None when either is unknown."""
    return None if a is None or b is None else a - b


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when unknown or b is zero."""
    return None if a is None or not b else a / b


def fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    """A number for the report; an em dash when unknown."""
    return "—" if value is None else f"{value:.{digits}f}{suffix}"
