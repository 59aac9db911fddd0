"""`python -m bench.inprocess`: the gateway's CPU per request with the application called in
process, for A/B comparisons of the hot path.

The Daphne runs (`python -m bench`) share two cores between the load generator, the Ollama
test server, PostgreSQL, Redis and the gateway, and the same code reads a fifth apart from
one run to the next on this machine. Here a worker process imports the ASGI application
(`llmgateway.asgi`, tuned for serving as under Daphne) and calls it directly with HTTP
scopes, `--concurrency` requests at a time, against the real PostgreSQL and Redis and the
Ollama test server in its own process. Its CPU time per request is the gateway's own work
without Twisted and without a client in the same process, and it repeats within a few per
cent: the tool for "did this change cut the CPU?", alternating two checkouts
(`git worktree`). It is not a latency benchmark, and it leaves Twisted's share out.

Scenarios: `chat` (unique queries: cache misses, two LLM calls), `stream` (the same, over
server-sent events, read to the end), `hit` (one query repeated: cache hits on new
conversations), `health` (`GET /health`), `unauthorized` (a 401 from an API view).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.cli import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL
from bench.gateway import Infra, ensure_database, migrate, provision
from bench.procs import BASE_DIR
from bench.stub import Stub, StubSettings

SCENARIOS = ("chat", "stream", "hit", "health", "unauthorized")
CREDENTIALS_ENV = "BENCH_INPROCESS_API_KEY"
WARM_UP_REQUESTS = 100


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    parser.add_argument("--scenarios", default="chat,hit", help=f"comma-separated: {SCENARIOS}")
    parser.add_argument("--requests", type=int, default=800, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.scenario_list = [name for name in args.scenarios.split(",") if name]
    unknown = set(args.scenario_list) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


# --- the parent: infrastructure, then one worker per scenario ------------------------------


def run(args: argparse.Namespace) -> list[dict]:
    """Set up the bench database, user and test server; run each scenario in a worker."""
    log_dir = Path(tempfile.mkdtemp(prefix="llmgw-inprocess-"))
    infra = Infra.create(args.database_url, args.redis_url)
    ensure_database(infra.database_url)
    migrate(infra, log_dir)
    credentials = provision(infra)
    stub = Stub(log_dir)
    results = []
    try:
        stub.configure(StubSettings())
        env = {**infra.env(stub.url), CREDENTIALS_ENV: credentials.api_key}
        for scenario in args.scenario_list:
            command = [
                sys.executable,
                *("-m", "bench.inprocess", "--worker", "--scenarios", scenario),
                *("--requests", str(args.requests), "--rounds", str(args.rounds)),
                *("--concurrency", str(args.concurrency)),
            ]
            done = subprocess.run(
                command, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
            )
            (log_dir / f"{scenario}.log").write_text(done.stdout + done.stderr)
            if done.returncode != 0:
                raise RuntimeError(f"the {scenario} worker failed:\n{done.stderr[-3000:]}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        stub.stop()
    return results


def table(results: list[dict]) -> str:
    lines = [
        "| scenario | concurrency | requests per round | CPU ms per request, each round |",
        "|---|---|---|---|",
    ]
    for result in results:
        rounds = " / ".join(f"{ms:.2f}" for ms in result["cpu_ms"])
        lines.append(
            f"| {result['scenario']} | {result['concurrency']} | {result['requests']} | {rounds} |"
        )
    return "\n".join(lines)


# --- the worker: the application, called in this process ---------------------------------

Send = Callable[[int], Awaitable[int]]


def _request(application, api_key: str, scenario: str) -> Send:
    """A coroutine function sending request number `n` of `scenario`; returns its status."""
    run_tag = f"{os.getpid()}-{time.time_ns()}"
    method, path = {
        "health": ("GET", "/health"),
        "stream": ("POST", "/api/chat/stream"),
    }.get(scenario, ("POST", "/api/chat/"))
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]
    if scenario in ("chat", "stream", "hit"):
        headers.append((b"x-api-key", api_key.encode()))

    async def send(n: int) -> int:
        # No digit-operator-digit in the text: the test server would route it to the
        # creative agent (a calculation), and the chat scenario measures the general one.
        query = (
            "A repeated question about cat names"
            if scenario == "hit"
            else (f"Bench {run_tag} chat number {n}: what is a good name for a friendly cat?")
        )
        body = json.dumps({"query": query}).encode() if method == "POST" else b""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        delivered = False
        statuses: list[int] = []

        async def receive() -> dict:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never leaves
            raise AssertionError("unreachable")

        async def reply(message: dict) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await application(scope, receive, reply)
        return statuses[0]

    return send


async def _rounds(send: Send, args: argparse.Namespace, expected: int) -> list[float]:
    counter = iter(range(10**9))

    async def batch(requests: int) -> None:
        limit = asyncio.Semaphore(args.concurrency)

        async def one() -> None:
            async with limit:
                status = await send(next(counter))
            if status != expected:
                raise RuntimeError(f"expected {expected}, got {status}")

        await asyncio.gather(*(one() for _ in range(requests)))

    await batch(WARM_UP_REQUESTS)
    cpu_ms = []
    for _ in range(args.rounds):
        started = time.process_time()
        await batch(args.requests)
        cpu_ms.append((time.process_time() - started) / args.requests * 1000)
    return cpu_ms


def work(args: argparse.Namespace) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmgateway.settings")
    from llmgateway.asgi import application  # needs the settings module named above

    (scenario,) = args.scenario_list
    send = _request(application, os.environ[CREDENTIALS_ENV], scenario)
    expected = 401 if scenario == "unauthorized" else 200
    cpu_ms = asyncio.run(_rounds(send, args, expected))
    return {
        "scenario": scenario,
        "concurrency": args.concurrency,
        "requests": args.requests,
        "cpu_ms": cpu_ms,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(work(args)), flush=True)
        return
    print(table(run(args)), flush=True)


if __name__ == "__main__":
    main()
