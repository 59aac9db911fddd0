"""Prometheus exposition of the Redis-held metrics, so every process reports the same totals.

A custom Collector reads the store in one MULTI/EXEC and yields metric families on a
dedicated registry: no per-process default collectors (process_*, python_gc_*), which behind
a load balancer would describe whichever process happened to answer the scrape.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from core.redis_client import sync_redis
from metrics import store
from metrics.fleet_prometheus import FleetCollector


@dataclass
class HistogramSeries:
    """One histogram series: non-cumulative bucket counts (last one is +Inf) and the sum."""

    counts: list[int]
    total: float = 0.0

    @classmethod
    def empty(cls, buckets: Sequence[float]) -> HistogramSeries:
        return cls([0] * (len(buckets) + 1))

    def add(self, other: HistogramSeries) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.total += other.total


def parse_histogram(raw: dict[str, str], buckets: Sequence[float]) -> dict[tuple, HistogramSeries]:
    """Group a histogram hash by label tuple; an unknown bound falls into the next bucket up."""
    series: dict[tuple, HistogramSeries] = defaultdict(partial(HistogramSeries.empty, buckets))
    for name, value in raw.items():
        *labels, tail = name.split(store.SEP)
        entry = series[tuple(labels)]
        if tail == "sum":
            entry.total += float(value)
        else:
            upper = float(tail)
            index = next((i for i, b in enumerate(buckets) if upper <= b), len(buckets))
            entry.counts[index] += int(value)
    return series


def _histogram(
    name: str,
    doc: str,
    labels: list[str],
    series: dict[tuple, HistogramSeries],
    buckets: Sequence[float],
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, doc, labels=labels)
    bounds = [floatToGoString(b) for b in (*buckets, math.inf)]
    for label_values, entry in sorted(series.items()):
        cumulative = list(zip(bounds, accumulate(entry.counts), strict=True))
        family.add_metric(list(label_values), cumulative, entry.total)
    return family


def _counter(name: str, doc: str, labels: list[str], values: dict[tuple, float]) -> Metric:
    family = CounterMetricFamily(name, doc, labels=labels)
    for label_values, value in sorted(values.items()):
        family.add_metric(list(label_values), value)
    return family


def _by_labels(raw: dict[str, str]) -> dict[tuple, float]:
    return {tuple(name.split(store.SEP)): float(value) for name, value in raw.items()}


class GatewayCollector(Collector):
    """Reads the shared metrics from Redis at scrape time."""

    KEYS = (
        store.HTTP_LATENCY,
        store.LLM_CALLS,
        store.LLM_TOKENS,
        store.LLM_LATENCY,
        store.CACHE,
        store.EVENTS,
        store.REDIS_FALLBACKS,
        store.ROUTING,
    )

    def collect(self) -> Iterator[Metric]:
        pipe = sync_redis().pipeline(transaction=True)
        for key in self.KEYS:
            pipe.hgetall(key)
        raw = dict(zip(self.KEYS, map(store.decode_hash, pipe.execute()), strict=True))
        yield from _http_families(parse_histogram(raw[store.HTTP_LATENCY], store.HTTP_BUCKETS))
        yield from _llm_families(raw)
        cache = {(result,): float(raw[store.CACHE].get(result, 0)) for result in ("hit", "miss")}
        yield _counter("gateway_cache_requests", "Response cache lookups.", ["result"], cache)
        events = raw[store.EVENTS]
        for name, doc in (
            ("quota_rejections", "Requests refused for being over quota."),
            ("guard_blocks", "Queries blocked by the input guard."),
        ):
            yield _counter(f"gateway_{name}", doc, [], {(): float(events.get(name, 0))})
        yield _counter(
            "gateway_redis_fallbacks",
            "Degraded-mode decisions taken because Redis failed, by kind.",
            ["kind"],
            _by_labels(raw[store.REDIS_FALLBACKS]),
        )
        yield from _routing_families(_by_labels(raw[store.ROUTING]))


def _http_families(series: dict[tuple, HistogramSeries]) -> Iterator[Metric]:
    counts = {labels: float(sum(entry.counts)) for labels, entry in series.items()}
    yield _counter(
        "gateway_http_requests",
        "HTTP requests by method, route and status.",
        ["method", "route", "status"],
        counts,
    )
    by_route: dict[tuple, HistogramSeries] = defaultdict(
        partial(HistogramSeries.empty, store.HTTP_BUCKETS)
    )
    for (method, route, _status), entry in series.items():
        by_route[(method, route)].add(entry)
    yield _histogram(
        "gateway_http_request_duration_seconds",
        "HTTP request latency (to response start).",
        ["method", "route"],
        by_route,
        store.HTTP_BUCKETS,
    )


def _llm_families(raw: dict[str, dict[str, str]]) -> Iterator[Metric]:
    yield _counter(
        "gateway_llm_calls",
        "LLM calls by model and intent.",
        ["model", "intent"],
        _by_labels(raw[store.LLM_CALLS]),
    )
    yield _counter(
        "gateway_llm_tokens",
        "Tokens counted by Ollama, by model, intent and kind.",
        ["model", "intent", "kind"],
        _by_labels(raw[store.LLM_TOKENS]),
    )
    yield _histogram(
        "gateway_llm_latency_seconds",
        "LLM call latency by model and intent.",
        ["model", "intent"],
        parse_histogram(raw[store.LLM_LATENCY], store.LLM_BUCKETS),
        store.LLM_BUCKETS,
    )


def _routing_families(counts: dict[tuple, float]) -> Iterator[Metric]:
    """Routing decisions by source and intent, and per intent the share routed without
    the LLM classifier's call (the fast pre-router's)."""
    yield _counter(
        "gateway_routing_decisions",
        "Chats routed, by who decided the intent (fast | llm | heuristic) and the intent.",
        ["router", "intent"],
        counts,
    )
    totals: dict[str, float] = defaultdict(float)
    fast: dict[str, float] = defaultdict(float)
    for labels, value in counts.items():
        if len(labels) == 2:
            totals[labels[1]] += value
            fast[labels[1]] += value if labels[0] == "fast" else 0.0
    share = GaugeMetricFamily(
        "gateway_routing_fast_share",
        "Share of chats routed without the LLM classifier's call, per intent.",
        labels=["intent"],
    )
    for intent, total in sorted(totals.items()):
        share.add_metric([intent], fast[intent] / total if total else 0.0)
    yield share


registry = CollectorRegistry(auto_describe=False)
registry.register(GatewayCollector())
registry.register(FleetCollector())


def render() -> bytes:
    """The text exposition; raises REDIS_DOWN_ERRORS when Redis is unreachable."""
    return generate_latest(registry)
