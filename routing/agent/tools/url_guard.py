"""Which URLs `summarize_url` may fetch: http(s) to public addresses only (SSRF guard).

`check_url` parses a URL with one parser, resolves its host once and requires every
resolved address to pass the address policy (`is_public_address` unless a test passes
another). The result names the single checked address the fetcher must connect to, so a
second DNS answer (rebinding) never gets a say.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]

ALLOWED_SCHEMES = {"http": 80, "https": 443}
MAX_URL_CHARS = 2048
# IPv6 prefixes that embed an IPv4 address a gateway may translate to (NAT64, RFC 6052).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Hosts inet_aton would read as IPv4 in one of its legacy forms (2130706433, 0x7f.1, 127.1).
_NUMERIC_HOST = re.compile(r"^[0-9a-fA-FxX.]+$")
_HOST_NAME = re.compile(r"^[a-z0-9_.-]+$")
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")


class UrlFetchError(Exception):
    """The page could not be fetched or read (network, HTTP status, content type)."""


class UrlRefused(UrlFetchError):
    """The URL is not allowed: wrong scheme, or its host is not a public address."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to ask for there."""

    url: str
    scheme: str
    host: str  # as sent in Host and TLS SNI; canonical for IP literals
    port: int
    path: str  # path and query, as sent on the request line
    address: IPAddress

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if ALLOWED_SCHEMES[self.scheme] == self.port else f"{host}:{self.port}"


def is_public_address(address: IPAddress) -> bool:
    """The production policy: only globally routable unicast addresses may be fetched.

    Refuses loopback, private, carrier-grade NAT (100.64/10), link-local (incl. the cloud
    metadata 169.254.169.254), unique-local, multicast and reserved ranges, and IPv6
    forms that embed an IPv4 address (mapped, 6to4, NAT64) unless that address is public.
    """
    if address.is_multicast or address.is_reserved or not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return True


async def check_url(url: str, *, allow_address: AddressPolicy | None = None) -> Target:
    """Parse `url`, resolve its host and check every address; return the pinned target.

    Raises UrlRefused when the URL or any of its addresses is not allowed, UrlFetchError
    when the host does not resolve.
    """
    allow = allow_address or is_public_address
    url = url.strip() if isinstance(url, str) else ""
    scheme, host, port, path, literal = _parse(url)
    addresses = [literal] if literal is not None else await _resolve(host, port)
    for address in addresses:
        if not allow(address):
            if literal is not None:
                raise UrlRefused(f"{address} is not a public internet address")
            raise UrlRefused(f"{host} resolves to {address}, not a public internet address")
    # Prefer IPv4: many container networks have no IPv6 route.
    address = min(addresses, key=lambda a: a.version)
    return Target(url=url, scheme=scheme, host=host, port=port, path=path, address=address)


def _parse(url: str) -> tuple[str, str, int, str, IPAddress | None]:
    if not url or len(url) > MAX_URL_CHARS or _UNSAFE_CHARACTERS.search(url):
        raise UrlRefused("the URL is empty, too long or contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused("the URL is not valid") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UrlRefused("only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("URLs with credentials are not allowed")
    if port == 0:
        raise UrlRefused("the URL is not valid")
    host, literal = _parse_host(parts.hostname or "", bracketed="[" in parts.netloc)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    # Percent-encode what is not ASCII (e.g. /café), as a browser would; keep the rest.
    path = quote(path, safe="!#$%&'()*+,/:;=?@[]~")
    return scheme, host, port or ALLOWED_SCHEMES[scheme], path, literal


def _parse_host(hostname: str, *, bracketed: bool) -> tuple[str, IPAddress | None]:
    """Return the host to send and, for IP literals in any notation, its address."""
    if not hostname:
        raise UrlRefused("the URL has no host")
    if bracketed:
        try:
            address = ipaddress.IPv6Address(hostname)
        except ValueError as exc:
            raise UrlRefused("the URL has an invalid IPv6 address") from exc
        return str(address), address
    if _NUMERIC_HOST.match(hostname):
        try:
            # inet_aton reads the legacy forms a resolver would: 2130706433, 0x7f.1, 127.1.
            address = ipaddress.IPv4Address(socket.inet_aton(hostname))
        except OSError:
            pass  # a name made of hex letters and dots, such as "cafe.be"
        else:
            return str(address), address
    try:
        host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise UrlRefused("the URL has an invalid host name") from exc
    if not _HOST_NAME.match(host):
        raise UrlRefused("the URL has an invalid host name")
    if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
        raise UrlRefused(f"{host} is not a public internet address")
    return host, None


async def _resolve(host: str, port: int) -> list[IPAddress]:
    """Resolve once, in a thread (getaddrinfo blocks); every answer is checked by the caller."""
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UrlFetchError(f"could not resolve {host}") from exc
    addresses: list[IPAddress] = []
    for family, *_rest, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        try:
            addresses.append(ipaddress.ip_address(sockaddr[0]))
        except ValueError as exc:
            raise UrlRefused(f"{host} resolved to an unusable address") from exc
    if not addresses:
        raise UrlFetchError(f"could not resolve {host}")
    return addresses
