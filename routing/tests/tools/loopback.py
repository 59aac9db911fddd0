"""Loopback HTTP servers and fake DNS for the URL fetch tests.

The canary listens on 127.0.0.1 (and ::1 on the same port when the host has IPv6) and
only counts requests: a URL the guard must refuse has to leave it at zero hits. The origin
listens on 127.0.0.2 and answers scripted routes; tests that need to fetch something pass
`allow_origin` as the address policy, which admits that one address and nothing else.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ORIGIN_ADDRESS = "127.0.0.2"


@dataclass
class Reply:
    """A scripted answer for one path."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    body: bytes = b""
    before: Callable[[], None] | None = None  # e.g. block on an event to simulate a slow page


@dataclass
class Hit:
    path: str
    host: str


class LoopbackServer:
    """A threaded HTTP server that records every request and answers from `routes`."""

    def __init__(self, address: str, port: int = 0, *, tls: ssl.SSLContext | None = None) -> None:
        self.hits: list[Hit] = []
        self.routes: dict[str, Reply] = {}
        self.server_names: list[str | None] = []  # TLS SNI of each handshake
        server_class = _IPv6Server if ":" in address else _Server
        self._server = server_class((address, port), self._handler())
        self.port: int = self._server.server_address[1]
        self.scheme = "https" if tls else "http"
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            # Handshake in the request thread, so a failing client cannot stall the server.
            self._server.socket = tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/", host: str | None = None) -> str:
        host = host or self._server.server_address[0]
        host = f"[{host}]" if ":" in host else host
        return f"{self.scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(Hit(self.path, self.headers.get("Host", "")))
                reply = server.routes.get(self.path, Reply(404, body=b"not found"))
                if reply.before is not None:
                    reply.before()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                # The client may stop reading at its size cap.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # refused TLS handshakes and dropped clients are expected here


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


class Canary:
    """Loopback listeners on one port (127.0.0.1 and ::1) that count every request."""

    def __init__(self) -> None:
        self.v4 = LoopbackServer("127.0.0.1")
        self.port = self.v4.port
        try:
            self.v6: LoopbackServer | None = LoopbackServer("::1", self.port)
        except OSError:
            self.v6 = None

    @property
    def hits(self) -> list[Hit]:
        return self.v4.hits + (self.v6.hits if self.v6 else [])

    def close(self) -> None:
        self.v4.close()
        if self.v6:
            self.v6.close()


def allow_origin(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Test-only address policy: the origin server's address and nothing else."""
    return address == ipaddress.ip_address(ORIGIN_ADDRESS)


class FakeDns:
    """Answers getaddrinfo for scripted names; each lookup takes the next answer in line."""

    def __init__(self, real: Callable) -> None:
        self._real = real
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []

    def add(self, name: str, *answers: list[str]) -> None:
        self.answers[name] = list(answers)

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        if host not in self.answers:
            return self._real(host, port, family, type, proto, flags)
        self.lookups.append(host)
        queue = self.answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in addresses
        ]


def tls_contexts(hostname: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for `hostname` and a client context trusting it."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with tempfile.TemporaryDirectory() as directory:
        cert_file, key_file = Path(directory, "cert.pem"), Path(directory, "key.pem")
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client
