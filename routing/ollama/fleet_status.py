"""Reads over the fleet for the admin API, /health and the dashboard (a selector)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from routing.ollama.backend import Backend
from routing.ollama.fleet import fleet

# /health and the admin views probe again when the last probe is older than this, so they
# tell the truth at each moment without every request hitting every backend.
STATUS_MAX_AGE_SECONDS = 1.0


def backend_status(backend: Backend) -> dict[str, Any]:
    checked = backend.last_check
    return {
        "url": backend.url,
        "state": backend.state().value,
        "reachable": backend.reachable is True,
        "version": backend.version,
        "served_models": list(backend.served),
        "loaded_models": list(backend.loaded),
        "in_flight": backend.in_flight,
        "queued": backend.queued,
        "calls": backend.calls,
        "failures": backend.failures,
        "consecutive_failures": backend.consecutive_failures,
        "last_check": datetime.fromtimestamp(checked, UTC) if checked else None,
        "last_error": backend.last_error,
    }


def fleet_status(*, max_age: float = STATUS_MAX_AGE_SECONDS) -> dict[str, Any]:
    """Every backend's state, freshly probed when the last probe is older than `max_age`."""
    backends = fleet().refresh_blocking(max_age=max_age)
    with fleet().lock:
        rows = [backend_status(backend) for backend in backends]
    return {
        "backends": rows,
        "max_concurrency": settings.OLLAMA_MAX_CONCURRENCY,
        "queue_timeout": settings.OLLAMA_QUEUE_TIMEOUT,
    }


def ollama_check(rows: list[dict[str, Any]]) -> str:
    """`ok` while every backend answers its probes, `degraded` while some do, `down` if none."""
    answering = [row for row in rows if row["reachable"]]
    if len(answering) == len(rows):
        return "ok"
    return "degraded" if answering else "down"
