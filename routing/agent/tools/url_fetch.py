"""Fetch a web page for `summarize_url` and return its readable text, SSRF-safe.

Every hop (the URL and each redirect, at most MAX_REDIRECTS) goes through
`url_guard.check_url`, and the connection is made by a network backend pinned to the
address that check approved: the HTTP client never resolves a name itself, so DNS
rebinding and parser differences cannot steer it elsewhere (`url_transport.py` holds that
backend and the bounded body reader). Time, bytes read (before and after decompression)
and the returned text are all bounded.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin

import httpcore
import httpx

from routing.agent.tools.page_text import extract_text
from routing.agent.tools.url_guard import (
    AddressPolicy,
    Target,
    UrlFetchError,
    UrlRefused,
    check_url,
)
from routing.agent.tools.url_transport import PinnedBackend as _PinnedBackend
from routing.agent.tools.url_transport import (
    content_type,
    read_capped,
    request_url,
    response_headers,
)

__all__ = ["PageText", "UrlFetchError", "UrlRefused", "fetch_text"]

MAX_REDIRECTS = 3
TOTAL_TIMEOUT = 10.0
MAX_BYTES = 1_048_576
MAX_CHARS = 2000
ALLOWED_CONTENT_TYPES = {"text/html", "application/xhtml+xml", "text/plain"}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_REQUEST_HEADERS = [
    (b"User-Agent", b"LLM-Gateway/1.0 (summarize_url)"),
    (b"Accept", b"text/html, text/plain;q=0.9"),
    (b"Accept-Encoding", b"gzip, deflate"),
]


@dataclass(frozen=True)
class PageText:
    """What a page says: its final URL after redirects, title and readable text."""

    url: str
    title: str
    text: str
    truncated: bool  # the body was cut at the byte cap or the text at the character cap


async def fetch_text(
    url: str,
    *,
    allow_address: AddressPolicy | None = None,
    max_bytes: int = MAX_BYTES,
    max_chars: int = MAX_CHARS,
) -> PageText:
    """Fetch `url` (http/https, public addresses only) and return its readable text.

    `allow_address` replaces the address policy; only tests pass it, to reach a loopback
    server. Raises UrlRefused for URLs that are not allowed (also after a redirect) and
    UrlFetchError for everything else that goes wrong.
    """
    try:
        async with asyncio.timeout(TOTAL_TIMEOUT):
            return await _follow(url, allow_address, max_bytes, max_chars)
    except TimeoutError as exc:
        raise UrlFetchError(f"the page did not load within {TOTAL_TIMEOUT:g} seconds") from exc


async def _follow(
    url: str, allow_address: AddressPolicy | None, max_bytes: int, max_chars: int
) -> PageText:
    for _hop in range(MAX_REDIRECTS + 1):
        target = await check_url(url, allow_address=allow_address)
        try:
            async with (
                _pinned_pool(target) as pool,
                pool.stream(
                    "GET",
                    request_url(target),
                    headers=[(b"Host", target.host_header.encode()), *_REQUEST_HEADERS],
                ) as response,
            ):
                headers = response_headers(response.headers)
                if response.status in REDIRECT_STATUSES:
                    if not headers.get("location"):
                        raise UrlFetchError("the page redirected without a location")
                    url = urljoin(target.url, headers["location"])
                    continue
                if not 200 <= response.status < 300:
                    raise UrlFetchError(f"the server answered HTTP {response.status}")
                media_type, charset = content_type(headers.get("content-type", ""))
                if media_type not in ALLOWED_CONTENT_TYPES:
                    raise UrlFetchError(
                        f"unsupported content type {media_type or 'unknown'} "
                        "(only HTML and plain text pages can be read)"
                    )
                body, cut = await read_capped(
                    response.aiter_stream(), headers.get("content-encoding", ""), max_bytes
                )
        except (httpcore.NetworkError, httpcore.TimeoutException, httpcore.ProtocolError) as exc:
            raise UrlFetchError(f"could not fetch {target.host}: {_problem(exc)}") from exc
        # Parsing up to a megabyte of HTML is CPU work: keep it off the event loop.
        title, text = await asyncio.to_thread(_page_text, body, charset, media_type)
        return PageText(
            url=target.url,
            title=title,
            text=text[:max_chars],
            truncated=cut or len(text) > max_chars,
        )
    raise UrlFetchError(f"the page redirected more than {MAX_REDIRECTS} times")


def _problem(exc: Exception) -> str:
    """Say in a few words what went wrong on the wire."""
    if isinstance(exc, httpcore.TimeoutException):
        return "the server did not answer in time"
    if isinstance(exc, httpcore.ProtocolError):
        return "the server's answer was not valid HTTP"
    cause = exc.__cause__ or (exc.args[0] if exc.args else None)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return "its TLS certificate is not valid for this name"
    if isinstance(cause, ssl.SSLError):
        return "the TLS handshake failed"
    return "the connection failed"


def _pinned_pool(target: Target) -> httpcore.AsyncConnectionPool:
    # TLS still verifies the certificate for the URL's host name: SNI is target.host.
    return httpcore.AsyncConnectionPool(
        ssl_context=_ssl_context(), network_backend=_PinnedBackend(target), retries=0
    )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def _page_text(body: bytes, charset: str, media_type: str) -> tuple[str, str]:
    return extract_text(body.decode(charset, errors="replace"), media_type)
