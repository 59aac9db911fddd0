"""The system under test: its database and Redis, the bench user, Daphne processes, nginx.

Everything runs on loopback with the production-like settings of docker-compose (DEBUG
off, fresh secrets, JSON access logs at INFO) against the bench's own PostgreSQL database
and Redis index, never the developers' or the test suite's.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from bench.procs import BASE_DIR, Child, base_env, free_port, spawn, wait_http

BENCH_QUOTA_PER_MINUTE = 10_000_000  # the bench user's override: quota never interferes


@dataclass(frozen=True)
class Credentials:
    """The bench user's ways in."""

    user_id: str
    jwt: str
    api_key: str


@dataclass(frozen=True)
class Infra:
    """Where the gateway keeps its state, and the secrets every gateway process shares."""

    database_url: str
    redis_url: str
    secret_key: str
    jwt_secret: str

    @classmethod
    def create(cls, database_url: str, redis_url: str) -> Infra:
        return cls(database_url, redis_url, secrets.token_urlsafe(48), secrets.token_urlsafe(48))

    def env(self, ollama_url: str) -> dict[str, str]:
        env = base_env()
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "OLLAMA_URL": ollama_url,
                "DEBUG": "0",
                "SECRET_KEY": self.secret_key,
                "JWT_SECRET": self.jwt_secret,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                # Plain HTTP on loopback: secure cookies would only matter for the admin.
                "SESSION_COOKIE_SECURE": "0",
                "CSRF_COOKIE_SECURE": "0",
                "LOG_LEVEL": "INFO",
                # The bench JWT must outlive a full run.
                "JWT_EXPIRE_MINUTES": "720",
                # Never used on the general path; guarantees nothing reaches the internet.
                "WEB_SEARCH_BACKEND": "routing.tests.fakes.FakeSearchBackend",
                # Every chat takes the classic two calls (classifier + answer) that the
                # direct side replays; the routing scenario turns the pre-router on itself.
                "ROUTER_ENABLED": "0",
            }
        )
        return env

    def flush_redis(self) -> None:
        client = redis.Redis.from_url(self.redis_url)
        try:
            client.flushdb()
        finally:
            client.close()


def ensure_database(database_url: str) -> None:
    """Create the bench database when it does not exist (on the same server)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def db_counters(database_url: str) -> dict[str, float]:
    """PostgreSQL's cumulative sessions and transactions of the bench database.

    Reading costs one session and one transaction itself: noise of a few per reading.
    """
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return {"db_sessions": float(row[0]), "db_transactions": float(row[1])} if row else {}


def migrate(infra: Infra, log_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=infra.env("http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    (log_dir / "migrate.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{result.stdout}{result.stderr}")


def provision(
    infra: Infra, *, quota: int = BENCH_QUOTA_PER_MINUTE, username: str = "bench"
) -> Credentials:
    """(Re)create the bench user with a raised quota, a JWT and an API key."""
    result = subprocess.run(
        [
            sys.executable,
            *("-m", "bench.provision", "--quota", str(quota), "--username", username),
        ],
        cwd=BASE_DIR,
        env=infra.env("http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"provisioning the bench user failed:\n{result.stderr}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return Credentials(user_id=data["user_id"], jwt=data["jwt"], api_key=data["api_key"])


def daphne_args(port: int) -> list[str]:
    # As in the Dockerfile, but bound to loopback. `-b`/`-p` listen with the gateway's
    # backlog (llmgateway/daphne_protocol.py), not Twisted's 50, which reset some of the
    # slow and fleet scenarios' 200 simultaneous connects.
    return [
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "--proxy-headers",
        "llmgateway.asgi:application",
    ]


@dataclass
class Gateway:
    """One Daphne process."""

    child: Child
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_gateway(
    infra: Infra,
    ollama_url: str,
    log_dir: Path,
    *,
    name: str,
    profile_to: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Gateway:
    """Start Daphne (under the bench's pyinstrument wrapper when `profile_to` is set)."""
    port = free_port()
    args = daphne_args(port)
    if profile_to is not None:
        args = ["-m", "bench.profiled_daphne", "--output", str(profile_to), "--", *args[2:]]
    env = {**infra.env(ollama_url), **(extra_env or {})}
    child = spawn(name, args, env=env, log_dir=log_dir)
    gateway = Gateway(child, port)
    wait_http(child, f"{gateway.url}/health", timeout=90)
    return gateway
