"""Which address a request comes from: X-Forwarded-For is believed only from TRUSTED_PROXIES.

The ASGI middleware below replaces the `client` of the scope with the address the trusted
proxies report, walking X-Forwarded-For from the right (the entry the nearest proxy wrote)
past every trusted hop. A request whose peer is not a trusted proxy keeps its own address,
and its X-Forwarded-* and X-Real-IP headers are dropped, so nothing downstream (the login
throttle, `request.is_secure()`, the logs) can be told a different story by the client.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address

from django.conf import settings

Network = IPv4Network | IPv6Network

FORWARDING_HEADERS = frozenset(
    {
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-port",
        b"x-forwarded-host",
        b"x-real-ip",
    }
)


def is_trusted_proxy(address: str, trusted: Iterable[Network] | None = None) -> bool:
    networks = settings.TRUSTED_PROXIES if trusted is None else trusted
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def client_address(
    peer: str, forwarded_for: str | None, trusted: Iterable[Network] | None = None
) -> str:
    """The client's address: `peer`, or the rightmost X-Forwarded-For hop not a trusted proxy."""
    networks = tuple(settings.TRUSTED_PROXIES if trusted is None else trusted)
    current = peer
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted_proxy(current, networks):
            break
        try:
            ip_address(hop)
        except ValueError:
            break  # a malformed entry: stop at the last address we could vouch for
        current = hop
    return current


class TrustedProxyMiddleware:
    """ASGI middleware: `scope["client"]` is the real client; untrusted forwarding headers go."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("client"):
            return await self.app(scope, receive, send)
        peer, port = scope["client"][0], scope["client"][1]
        headers = scope.get("headers") or []
        if is_trusted_proxy(peer):
            forwarded = b",".join(v for k, v in headers if k == b"x-forwarded-for")
            client = client_address(peer, forwarded.decode("latin-1"))
            if client != peer:
                scope = {**scope, "client": [client, 0]}
        else:
            kept = [(k, v) for k, v in headers if k not in FORWARDING_HEADERS]
            if len(kept) != len(headers):
                scope = {**scope, "headers": kept, "client": [peer, port]}
        return await self.app(scope, receive, send)
