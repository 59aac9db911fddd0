"""The HTTP transport under every async Ollama client: httpx's API, aiohttp's connections.

The passthrough client and the agent's `ollama` clients keep httpx's interface (its
requests, responses, timeouts and exceptions, which the failover and the `ollama` library
read), but their bytes go through aiohttp. Measured on this machine against the Ollama
test server at concurrency 10: httpx's own connection pool costs about 0.9 ms of CPU per
call (pure-Python HTTP parsing, and on every call a readability `poll` plus a `getpeername`
for each pooled connection); through aiohttp's C parser and pool it is about 0.26 ms.
Every passthrough call makes one such call and every agent turn two or more.

Why not the `httpx-aiohttp` package: it maps any aiohttp connection error to
`ConnectTimeout`, so a backend that drops the connection would read as a timeout; here
each aiohttp error becomes the httpx error httpx's own transport raises in that case.

One transport belongs to one event loop (an aiohttp session does): its owners, the
passthrough clients and the chat models, are already kept per loop.
"""

from __future__ import annotations

import functools
import ssl
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx

# The keep-alive httpx uses: an idle connection is dropped after this many seconds.
KEEPALIVE_SECONDS = 5.0


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """httpx's default verification context, built once: loading the CA bundle is most of
    what building a client costs (~0.1 s of CPU on a busy host)."""
    return httpx.create_ssl_context()


# First match wins: subclasses before their bases.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientOSError, httpx.ReadError),
    (aiohttp.ClientConnectionError, httpx.NetworkError),
    (aiohttp.ClientError, httpx.TransportError),
    (TimeoutError, httpx.TimeoutException),
)


def _httpx_error(exc: BaseException) -> httpx.TransportError | None:
    for aiohttp_error, httpx_error in _ERRORS:
        if isinstance(exc, aiohttp_error):
            return httpx_error(str(exc) or type(exc).__name__)
    return None


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except (TimeoutError, aiohttp.ClientError) as exc:
        mapped = _httpx_error(exc)
        if mapped is None:
            raise
        raise mapped from exc


class _ResponseStream(httpx.AsyncByteStream):
    """The body of one aiohttp response, chunk by chunk as the server sends it."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        # A body read to its end leaves the connection in the pool. One abandoned midway
        # (the gateway's client left, a failover moved on) closes it, which is what tells
        # Ollama to stop generating.
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport sending through one aiohttp session, opened on first use."""

    def __init__(self, *, verify: bool = True) -> None:
        self._verify = verify
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    def _proxy_for(self, url: httpx.URL) -> str | None:
        """The proxy HTTP(S)_PROXY / ALL_PROXY / NO_PROXY name for `url`, as httpx honours
        them (it ignores them once given a transport). Read once per host: aiohttp's own
        `trust_env` reads the environment and ~/.netrc again on every request."""
        key = (url.scheme, url.host)
        if key not in self._proxies:
            proxies = urllib.request.getproxies()
            bypass = not proxies or urllib.request.proxy_bypass(url.host)
            self._proxies[key] = None if bypass else proxies.get(url.scheme, proxies.get("all"))
        return self._proxies[key]

    def _open_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=0,  # no cap: concurrency is bounded by the quota and Ollama's own queue
            keepalive_timeout=KEEPALIVE_SECONDS,
            # httpx's certificates (certifi, or SSL_CERT_FILE), not the system store's.
            ssl=ssl_context() if self._verify else False,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies, if any
            auto_decompress=False,  # so does the decoding: httpx reads Content-Encoding
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None or self._session.closed:
            self._session = self._open_session()
        timeout = request.extensions.get("timeout", {})
        try:
            body = request.content or None
        except httpx.RequestNotRead:
            body = request.stream  # a streamed upload: aiohttp iterates it
            request.headers.pop("transfer-encoding", None)  # aiohttp chunks it itself
        with _as_httpx_errors():
            response = await self._session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=body,
                proxy=self._proxy_for(request.url),
                allow_redirects=False,  # httpx follows redirects itself when asked
                # No pool wait here (no connection cap), so `connect` bounds what httpx's
                # connect timeout bounds: name resolution, TCP and TLS.
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("connect"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    def __del__(self) -> None:
        # Dropped with its event loop, or by an owner that never closed it: close without
        # awaiting, as aiohttp's own finalizers do (`_close`; pinned in requirements.txt),
        # so neither the session nor the connector reports itself unclosed.
        session = self._session
        if session is not None and not session.closed:
            connector = session.connector
            session.detach()
            if connector is not None:
                connector._close()
