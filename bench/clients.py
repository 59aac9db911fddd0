"""What the load generator sends to the gateway: HTTP targets and request functions.

Each `*_request` factory returns an `async (index) -> Sample` for bench.loadgen: GETs and
POST /api/chat/ here, the SSE stream in bench.sse, the direct Ollama side in bench.direct.
"""

from __future__ import annotations

import functools
import itertools
import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.loadgen import RequestFn, Sample

TIMEOUT = httpx.Timeout(180.0, connect=15.0)
QueryFn = Callable[[int], str]
Check = Callable[[dict[str, Any]], str | None]  # a body's problem, or None when it is fine


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client: building one per client costs ~40 ms of CPU
    (and the bench only speaks plain HTTP on loopback anyway)."""
    return ssl.create_default_context()


class HttpTarget:
    """A base URL and its httpx clients.

    With `source_addresses` > 0 the clients are bound to 127.0.0.2, 127.0.0.3, ... and used
    in turn, so the requests come from that many client addresses: nginx limits each
    address to 10 r/s, a limit meant for real clients, not for one load generator.
    """

    def __init__(self, base_url: str, *, max_connections: int, source_addresses: int = 0) -> None:
        self.base_url = base_url
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        if source_addresses:
            self._clients = [
                httpx.AsyncClient(
                    base_url=base_url,
                    timeout=TIMEOUT,
                    verify=_tls(),
                    transport=httpx.AsyncHTTPTransport(
                        verify=_tls(), limits=limits, local_address=f"127.0.0.{2 + i}"
                    ),
                )
                for i in range(min(source_addresses, 250))
            ]
        else:
            self._clients = [
                httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, limits=limits, verify=_tls())
            ]
        self._turn = itertools.cycle(self._clients)

    def client(self) -> httpx.AsyncClient:
        return next(self._turn)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()


def failed(started: float, exc: Exception) -> Sample:
    detail = str(exc).strip()[:60]
    error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return Sample(time.perf_counter() - started, 0, False, error=error)


def server_timing(response: httpx.Response) -> dict[str, float]:
    """The `name;dur=ms` entries of the gateway's Server-Timing header."""
    timings: dict[str, float] = {}
    for part in response.headers.get("server-timing", "").split(","):
        name, _, rest = part.strip().partition(";")
        if rest.startswith("dur="):
            try:
                timings[name] = float(rest[4:])
            except ValueError:
                continue
    return timings


def get_request(target: HttpTarget, path: str, headers: dict[str, str], expect: int) -> RequestFn:
    """GET `path`; ok when the status is `expect`."""

    async def request(_: int) -> Sample:
        started = time.perf_counter()
        try:
            response = await target.client().get(path, headers=headers)
            await response.aread()
        except httpx.HTTPError as exc:
            return failed(started, exc)
        ok = response.status_code == expect
        return Sample(time.perf_counter() - started, response.status_code, ok)

    return request


def chat_request(
    target: HttpTarget, headers: dict[str, str], query: QueryFn, check: Check
) -> RequestFn:
    """POST /api/chat/ with `query(index)`; ok on 200 with a body `check` accepts."""

    async def request(index: int) -> Sample:
        started = time.perf_counter()
        try:
            response = await target.client().post(
                "/api/chat/", json={"query": query(index)}, headers=headers
            )
            body = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            return failed(started, exc)
        latency = time.perf_counter() - started
        problem = check(body) if body is not None else None
        ok = response.status_code == 200 and problem is None
        return Sample(
            latency,
            response.status_code,
            ok,
            error=problem,
            server_timing=server_timing(response),
        )

    return request
