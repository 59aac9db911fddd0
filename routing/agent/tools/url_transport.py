"""The wire side of `url_fetch`: a network backend pinned to the checked address, and the
bounded reading and decoding of a response (headers, content type, capped body).

`PinnedBackend` is what makes the SSRF check stick: httpcore asks it to connect to the
URL's host, and it connects to the address `url_guard.check_url` approved for that host
instead, never resolving the name again. `read_capped` bounds the body before and after
decompression, so a decompression bomb expands to at most `max_bytes`.
"""

from __future__ import annotations

import codecs
import contextlib
import zlib
from collections.abc import AsyncIterator, Iterable

import httpcore

from routing.agent.tools.url_guard import Target, UrlFetchError, UrlRefused


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the checked address only, and only for the host it was checked for."""

    def __init__(self, target: Target) -> None:
        self._target = target
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if (host, port) != (self._target.host, self._target.port):
            raise UrlRefused(f"connection to unchecked host {host}:{port} refused")
        return await self._inner.connect_tcp(
            str(self._target.address),
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise UrlRefused("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def request_url(target: Target) -> httpcore.URL:
    """The request URL, built from the guard's own parse so the client cannot read the
    URL differently."""
    return httpcore.URL(
        scheme=target.scheme, host=target.host, port=target.port, target=target.path
    )


def response_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Response headers by lower-case name."""
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw}


def content_type(value: str) -> tuple[str, str]:
    """The media type and charset of a Content-Type header (UTF-8 when absent or unknown)."""
    media_type, *params = (part.strip() for part in value.split(";"))
    charset = "utf-8"
    for param in params:
        key, _, raw = param.partition("=")
        if key.strip().lower() == "charset":
            candidate = raw.strip().strip("\"'")
            # An unknown label keeps UTF-8: with replacement characters it still reads.
            with contextlib.suppress(LookupError):
                charset = codecs.lookup(candidate).name
    return media_type.lower(), charset


async def read_capped(
    chunks: AsyncIterator[bytes], encoding: str, max_bytes: int
) -> tuple[bytes, bool]:
    """Read at most `max_bytes` of the (decompressed) body; return it and whether it was cut."""
    decompressor = _decompressor(encoding.strip().lower())
    body = bytearray()
    raw_read = 0
    async for chunk in chunks:
        raw_read += len(chunk)
        room = max_bytes - len(body)
        if decompressor is None:
            body += chunk[:room]
            cut = len(chunk) > room
        else:
            try:
                # max_length bounds what a decompression bomb can expand to.
                body += decompressor.decompress(chunk, room)
            except zlib.error as exc:
                raise UrlFetchError("the page's compressed body is corrupt") from exc
            cut = bool(decompressor.unconsumed_tail) or len(body) >= max_bytes
        if cut or raw_read > max_bytes:
            return bytes(body), True
    return bytes(body), False


def _decompressor(encoding: str) -> zlib._Decompress | None:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        # wbits 32 + MAX_WBITS accepts both gzip and zlib-wrapped deflate streams.
        return zlib.decompressobj(32 + zlib.MAX_WBITS)
    raise UrlFetchError(f"unsupported content encoding {encoding}")
