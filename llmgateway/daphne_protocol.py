"""Daphne's HTTP request with the gateway's rules applied before the ASGI app runs.

Daphne (on Twisted) reads a whole request body, spooling it to a temporary file, before it
starts the ASGI application, so an ASGI middleware sees an oversized upload only after it
was written to disk. `GatewayWebRequest` acts while the bytes arrive:

- an over-limit Content-Length is answered 413 as soon as the headers end (no
  `100 Continue`, nothing read); a chunked body is cut off the moment it passes the limit
  (core/body_limit.py decides the limit per path). Bodies within the limit are kept in
  memory up to `IN_MEMORY_BODY_BYTES`, as Twisted would, and a finished chunked body is
  handed on with its Content-Length so DRF's parsers read it;
- with `--proxy-headers`, Daphne would take X-Forwarded-For from any caller: the headers
  are dropped unless the peer is one of TRUSTED_PROXIES (core/proxies.py);
- Daphne's own access log is off: the gateway's JSON access line is the one per request;
- Twisted's parsing of form bodies into `request.args` is off: Daphne never reads them;
- `daphne -b HOST -p PORT` (`make run`, the Dockerfile, compose, the tests) listens with a
  backlog of LISTEN_BACKLOG instead of Twisted's 50 (`-e tcp:...:backlog=N` keeps its own;
  `manage.py runserver` builds its endpoints elsewhere and keeps Twisted's).

`install()` makes Daphne build its HTTP factory from this module; llmgateway/asgi.py calls
it when Daphne is the server, so every way of starting it (`make run`, compose, tests,
`manage.py runserver`) gets the same rules with no extra flag.
"""

from __future__ import annotations

import sys
import tempfile
from io import BytesIO
from urllib.parse import unquote, urlsplit

from daphne.http_protocol import HTTPFactory, WebRequest
from twisted.internet import reactor

from core.body_limit import body_limit_for, too_large_response
from core.proxies import is_trusted_proxy

# After a 413 the rest of an upload is read and dropped for this long, so the client gets
# to read the answer instead of a connection reset; then the connection is aborted.
LINGER_SECONDS = 2.0
IN_MEMORY_BODY_BYTES = 1_048_576
# Twisted listens with a backlog of 50 pending connections: in a burst of a few hundred
# simultaneous connects, the rest are reset before Daphne accepts them. The kernel caps the
# backlog at net.core.somaxconn (4096 on current Linux).
LISTEN_BACKLOG = 1024
_DAPHNE_PROXY_HEADERS = (b"x-forwarded-for", b"x-forwarded-port", b"x-forwarded-proto")


def _discard(_data: bytes) -> None:
    """The connection's reader once a request was refused: nothing more is parsed."""


class GatewayWebRequest(WebRequest):
    """Daphne's request, refusing over-limit bodies as they arrive."""

    _refused = False
    _body_limit = 0
    _body_received = 0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Twisted would parse every POST's Content-Type with the `email` package (about
        # 0.1 ms per request) to fill `request.args` with form fields, and hold a whole
        # multipart upload in memory to do so. Daphne never reads `args`: the ASGI app gets
        # the raw body and Django parses what it needs.
        self._parsePOSTFormSubmission = False

    def gotLength(self, length: int | None) -> None:
        # Called when the headers are complete; the request line is still on the channel.
        raw_target = getattr(self.channel, "_path", b"/")
        path = unquote(urlsplit(raw_target).path.decode("latin-1")) or "/"
        self._body_limit = body_limit_for(path)
        if length is not None and length > self._body_limit:
            self.content = BytesIO()
            self._refuse()
            return
        if length is not None and length <= IN_MEMORY_BODY_BYTES:
            self.content = BytesIO()
        else:
            # Owned by the request, which Twisted closes with it (like its own temp file).
            self.content = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BODY_BYTES)  # noqa: SIM115

    def handleContentChunk(self, data: bytes) -> None:
        if self._refused:
            return
        self._body_received += len(data)
        if self._body_received > self._body_limit:
            self._refuse()
            return
        self.content.write(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        if self._refused:
            return
        super().requestReceived(command, path, version)

    def process(self):
        headers = self.requestHeaders
        if headers.hasHeader(b"transfer-encoding"):
            # The body is complete; DRF reads a body only when its length is declared.
            headers.removeHeader(b"transfer-encoding")
            headers.setRawHeaders(b"content-length", [str(self._body_received).encode()])
        peer = getattr(self.client, "host", "")
        if self.server.proxy_forwarded_address_header and not is_trusted_proxy(peer):
            for name in _DAPHNE_PROXY_HEADERS:
                headers.removeHeader(name)
        return super().process()

    def _refuse(self) -> None:
        """Answer 413 at once, stop parsing, linger briefly, then close the connection."""
        self._refused = True
        channel = self.channel
        incoming = (self.requestHeaders.getRawHeaders(b"x-request-id") or [b""])[0]
        _id, body, headers = too_large_response(incoming.decode("latin-1"), self._body_limit)
        # HTTPChannel sends "100 Continue" after gotLength() when the client asked for one.
        self.requestHeaders.removeHeader(b"expect")
        head = b"HTTP/1.1 413 Payload Too Large\r\n"
        head += b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        channel.transport.write(head + b"\r\n" + body)
        channel.dataReceived = _discard
        channel.transport.loseWriteConnection()
        reactor.callLater(LINGER_SECONDS, channel.transport.abortConnection)


class GatewayHTTPFactory(HTTPFactory):
    """Daphne's factory, building `GatewayWebRequest`s and with Daphne's access log off."""

    def __init__(self, server):
        super().__init__(server)
        # One line per request: the gateway's JSON access line (core/middleware.py).
        server.action_logger = None

    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = GatewayWebRequest
        return protocol


def with_backlog(endpoints: list[str]) -> list[str]:
    """Daphne's endpoint descriptions, each TCP or Unix one listening with LISTEN_BACKLOG
    unless it sets its own."""
    return [
        f"{endpoint}:backlog={LISTEN_BACKLOG}"
        if endpoint.startswith(("tcp:", "unix:")) and ":backlog=" not in endpoint
        else endpoint
        for endpoint in endpoints
    ]


def install() -> None:
    """Make Daphne's server build `GatewayHTTPFactory` (it looks the name up when it runs),
    and Daphne's CLI listen with LISTEN_BACKLOG: it loads the application (this module's
    caller) before it turns `-b`/`-p` into endpoint descriptions."""
    sys.modules["daphne.server"].HTTPFactory = GatewayHTTPFactory
    cli = sys.modules.get("daphne.cli")
    if cli is not None and not getattr(cli, "_gateway_backlog", False):
        build = cli.build_endpoint_description_strings
        cli.build_endpoint_description_strings = lambda **kwargs: with_backlog(build(**kwargs))
        cli._gateway_backlog = True
