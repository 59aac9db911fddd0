"""The performance targets of the hot-path issue, checked against a run's metrics."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from bench.config import Sizes
from bench.scenarios.base import ScenarioResult
from bench.stats import fmt


@dataclass(frozen=True)
class Target:
    """`scenario.metric` compared with `limit` (≤ or ≥)."""

    label: str
    scenario: str
    metric: str
    limit: float
    unit: str
    at_most: bool = True
    errors_metric: str | None = None  # failed requests in the same measurement

    def value(self, results: dict[str, ScenarioResult], metric: str | None = None) -> float | None:
        result = results.get(self.scenario)
        return None if result is None else result.metrics.get(metric or self.metric)

    def verdict(self, value: float | None, errors: float | None = None) -> str:
        """PASS/MISS; a measurement with failed requests cannot pass."""
        if value is None:
            return "NOT RUN"
        if errors:
            return f"MISS ({errors:.0f} errors)"
        compare: Callable[[float, float], bool] = operator.le if self.at_most else operator.ge
        return "PASS" if compare(value, self.limit) else "MISS"

    def row(self, results: dict[str, ScenarioResult]) -> list[str]:
        value = self.value(results)
        errors = self.value(results, self.errors_metric) if self.errors_metric else None
        sign = "≤" if self.at_most else "≥"
        return [
            self.label,
            f"{sign} {self.limit:g} {self.unit}",
            fmt(value, 2 if self.unit == "x ideal" else 1, f" {self.unit}"),
            self.verdict(value, errors),
        ]


def targets(sizes: Sizes) -> list[Target]:
    n = sizes.slow_concurrency
    return [
        Target("chat overhead c=1 p50", "chat", "c1.overhead_p50_ms", 8, "ms", True, "c1.errors"),
        Target("chat overhead c=1 p99", "chat", "c1.overhead_p99_ms", 15, "ms", True, "c1.errors"),
        Target("gateway CPU per chat (c=10)", "chat", "c10.cpu_ms_per_chat", 7, "ms", True),
        Target("chats/s at c=10", "chat", "c10.chats_per_s", 100, "chats/s", False, "c10.errors"),
        Target("cache hits/s at c=10", "cache", "c10.req_per_s", 250, "req/s", False, "c10.errors"),
        Target("/health at c=10", "auth", "c10.none.req_per_s", 500, "req/s", False),
        Target(
            f"{n} slow chats, wall vs model's own time",
            "slow",
            "wall_vs_ideal",
            1.5,
            "x ideal",
            errors_metric="errors",
        ),
        Target(
            "streaming: added to first token (p50, c=1)",
            "streaming",
            "c1.ttft_added_p50_ms",
            5,
            "ms",
            errors_metric="c1.errors",
        ),
        Target(
            "streaming: added between tokens (p99, c=1)",
            "streaming",
            "c1.gap_added_p99_ms",
            5,
            "ms",
            errors_metric="c1.errors",
        ),
        Target("memory per open stream", "memory", "per_stream_kb", 256, "KB", True, "failed"),
        # Issue 12: an explicit-model /v1/chat/completions against the same call direct.
        Target(
            "passthrough overhead c=1 p50",
            "passthrough",
            "c1.overhead_p50_ms",
            5,
            "ms",
            errors_metric="c1.errors",
        ),
        Target(
            "passthrough requests/s at c=10",
            "passthrough",
            "c10.chats_per_s",
            150,
            "req/s",
            False,
            "c10.errors",
        ),
    ]


REFERENCE = (
    "Reference: LiteLLM proxy adds ~24 ms p50 / 31 ms p99 and serves ~45 req/s on a similar "
    "machine."
)
