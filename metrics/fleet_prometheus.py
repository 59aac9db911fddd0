"""Prometheus series of the Ollama fleet.

Counters and histograms come from Redis (shared by every process). The state, calls in
flight and waiters are this process's own view of its backends (in flight and the queue are
per process, like OLLAMA_MAX_CONCURRENCY), read from the fleet at scrape time.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.redis_client import sync_redis
from metrics import fleet_metrics as fm
from metrics import store


class FleetCollector(Collector):
    KEYS = (
        fm.FLEET_CALLS,
        fm.FLEET_QUEUE_WAIT,
        fm.LLM_COMPUTE,
        fm.LLM_TTFT,
        fm.LLM_TOKENS_PER_SECOND,
    )

    def collect(self) -> Iterator[Metric]:
        from metrics.prometheus import _by_labels, _counter, _histogram, parse_histogram
        from routing.ollama.backend import BackendState
        from routing.ollama.fleet import fleet

        yield from _state_families(fleet().backends(), BackendState)
        pipe = sync_redis().pipeline(transaction=True)
        for key in self.KEYS:
            pipe.hgetall(key)
        raw = dict(zip(self.KEYS, map(store.decode_hash, pipe.execute()), strict=True))
        calls = _by_labels(raw[fm.FLEET_CALLS])
        yield _counter(
            "gateway_ollama_backend_calls",
            "Calls to each Ollama backend by outcome (ok, failure, missing model, error).",
            ["backend", "outcome"],
            calls,
        )
        yield _counter(
            "gateway_ollama_backend_failures",
            "Calls that failed because of the backend (connection, timeout, 5xx).",
            ["backend"],
            {(backend,): n for (backend, outcome), n in calls.items() if outcome == "failure"},
        )
        yield _histogram(
            "gateway_ollama_queue_wait_seconds",
            "Time a call waited for a free backend slot (OLLAMA_MAX_CONCURRENCY).",
            ["backend"],
            parse_histogram(raw[fm.FLEET_QUEUE_WAIT], fm.QUEUE_BUCKETS),
            fm.QUEUE_BUCKETS,
        )
        yield _counter(
            "gateway_llm_compute_seconds",
            "Ollama compute time (load + prompt eval + eval durations) by model and backend.",
            ["model", "backend"],
            _by_labels(raw[fm.LLM_COMPUTE]),
        )
        yield _histogram(
            "gateway_llm_time_to_first_token_seconds",
            "Time to the first token of each LLM call, by model and backend.",
            ["model", "backend"],
            parse_histogram(raw[fm.LLM_TTFT], fm.TTFT_BUCKETS),
            fm.TTFT_BUCKETS,
        )
        yield _histogram(
            "gateway_llm_output_tokens_per_second",
            "Output tokens per second of eval time (Ollama's eval_count / eval_duration).",
            ["model", "backend"],
            parse_histogram(raw[fm.LLM_TOKENS_PER_SECOND], fm.TPS_BUCKETS),
            fm.TPS_BUCKETS,
        )


def _state_families(backends, states) -> Iterator[Metric]:
    state = GaugeMetricFamily(
        "gateway_ollama_backend_state",
        "1 for each backend's current state (this process's view).",
        labels=["backend", "state"],
    )
    in_flight = GaugeMetricFamily(
        "gateway_ollama_backend_in_flight",
        "Calls in flight on each backend from this process.",
        labels=["backend"],
    )
    queued = GaugeMetricFamily(
        "gateway_ollama_backend_queued",
        "Calls of this process waiting for a slot a backend could give.",
        labels=["backend"],
    )
    for backend in backends:
        current = backend.state()
        for value in states:
            state.add_metric([backend.url, value.value], 1.0 if value is current else 0.0)
        in_flight.add_metric([backend.url], float(backend.in_flight))
        queued.add_metric([backend.url], float(backend.queued))
    yield from (state, in_flight, queued)
