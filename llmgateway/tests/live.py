"""Live gateway processes for tests that need real HTTP: Daphne on a loopback port.

The processes share the test database and Redis database of the pytest run, so a test
can create users with the ORM and then talk to the gateway over the wire.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@dataclass
class GatewayProcess:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@dataclass
class LiveGateway:
    processes: list[GatewayProcess] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.processes[0].url

    @property
    def urls(self) -> list[str]:
        return [p.url for p in self.processes]


def gateway_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "OLLAMA_URL": settings.OLLAMA_URL,
            "DEBUG": "0",
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "JWT_SECRET": settings.SIMPLE_JWT["SIGNING_KEY"],
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "QUOTA_PER_MINUTE": str(settings.QUOTA_PER_MINUTE),
            "OLLAMA_TIMEOUT": str(settings.OLLAMA_TIMEOUT),
            "WEB_SEARCH_BACKEND": settings.WEB_SEARCH_BACKEND,
            "LOG_LEVEL": os.environ.get("LIVE_LOG_LEVEL", "INFO"),
            "PYTHONUNBUFFERED": "1",
            # A live gateway sees committed data only, as in production.
            "DB_ASYNC_QUERIES": "1",
        }
    )
    env.update(overrides)
    return env


def start_gateway_process(
    env: dict[str, str], log_dir: Path, *, listen_backlog: int | None = None
) -> GatewayProcess:
    """Daphne on a free port; `-b`/`-p` listen with the gateway's backlog
    (llmgateway/daphne_protocol.py LISTEN_BACKLOG), `listen_backlog` sets another."""
    port = free_port()
    log_path = log_dir / f"daphne-{port}.log"
    log_file = log_path.open("wb")
    if listen_backlog is None:
        bind = ["-b", "127.0.0.1", "-p", str(port)]
    else:
        bind = ["-e", f"tcp:port={port}:interface=127.0.0.1:backlog={listen_backlog}"]
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", *bind, "llmgateway.asgi:application"],
        cwd=BASE_DIR,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    gateway = GatewayProcess(port=port, process=process, log_path=log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited during start-up:\n{gateway.log_tail()}")
        try:
            httpx.get(f"{gateway.url}/health", timeout=2.0)
            return gateway
        except httpx.HTTPError:
            time.sleep(0.1)
    gateway.stop()
    raise RuntimeError(
        f"gateway did not start within {STARTUP_TIMEOUT_SECONDS}s:\n{gateway.log_tail()}"
    )


@pytest.fixture
def live_gateway_factory(transactional_db, tmp_path) -> Iterator[Callable[..., LiveGateway]]:
    """Start `processes` Daphne processes with env overrides; all are stopped after the test."""
    started: list[GatewayProcess] = []

    def start(processes: int = 1, **env_overrides: str) -> LiveGateway:
        env = gateway_env(**env_overrides)
        gateway = LiveGateway([start_gateway_process(env, tmp_path) for _ in range(processes)])
        started.extend(gateway.processes)
        return gateway

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def live_gateway(live_gateway_factory) -> LiveGateway:
    """One Daphne process on the test database, Redis and settings.OLLAMA_URL."""
    return live_gateway_factory()
