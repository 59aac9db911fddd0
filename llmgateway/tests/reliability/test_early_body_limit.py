"""Bodies over the limit are refused by Daphne itself, before they are read (issue 13.4).

Raw sockets, because an HTTP client would hide what matters here: whether the 413 arrives
before the body was sent at all (an over-limit Content-Length), and whether the server
stops reading a chunked body soon after it passes the limit instead of spooling all of it.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

LIMIT = 1_048_576  # MAX_BODY_BYTES's default
WAIT_SECONDS = 10.0


@pytest.fixture(scope="module")
def gateway(start_gateway):
    return start_gateway()


def _connect(gateway) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=WAIT_SECONDS)
    return sock


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP/1.1 response with a Content-Length (the 413 always has one)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the body"
        body += chunk
    return status, headers, body[:length]


def test_an_over_limit_content_length_is_refused_before_any_body_is_sent(gateway):
    with _connect(gateway) as sock:
        sock.sendall(
            b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 50000000\r\n"
            b"X-Request-ID: early-413\r\n\r\n"
        )
        status, headers, body = _read_response(sock)

    assert status == 413
    assert headers["x-request-id"] == "early-413"
    assert json.loads(body) == {
        "error": {
            "code": "payload_too_large",
            "message": f"The request body is larger than the {LIMIT} bytes this gateway accepts.",
            "details": {"max_bytes": LIMIT},
        },
        "request_id": "early-413",
    }


def test_expect_100_continue_gets_the_413_instead_of_a_go_ahead(gateway):
    with _connect(gateway) as sock:
        sock.sendall(
            b"POST /api/chat/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000000\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        status, _headers, _body = _read_response(sock)

    assert status == 413


def test_a_chunked_body_is_cut_off_soon_after_it_passes_the_limit(gateway):
    """200 MB of chunks with no credentials: the 413 comes after about the limit, and the
    server stops taking the rest (it closes instead of reading 200 MB)."""
    chunk = b"x" * 65536
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    total = 200 * 1024 * 1024
    sent = 0
    with _connect(gateway) as sock:
        sock.sendall(
            b"POST /api/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.setblocking(False)
        deadline = time.monotonic() + WAIT_SECONDS * 3
        answered = False
        while sent < total and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 1.0)
            if readable:
                answered = True
                break
            if writable:
                try:
                    sent += sock.send(frame)
                except (BlockingIOError, InterruptedError):
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
        assert answered, f"no response after sending {sent} bytes"
        sock.setblocking(True)
        status, _headers, body = _read_response(sock)

    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    # The limit plus what sockets buffer on loopback, nowhere near the 200 MB offered.
    assert sent < 40 * 1024 * 1024


def test_a_body_within_the_limit_still_reaches_the_view(gateway):
    body = json.dumps({"username": "nobody", "password": "Wr0ng-pass!", "pad": "x" * 500_000})
    with _connect(gateway) as sock:
        sock.sendall(
            b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n%s\r\n0\r\n\r\n"
            % (len(body), body.encode())
        )
        status, _headers, _body = _read_response(sock)

    assert status == 401


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_path_with_its_own_limit_takes_a_larger_body(gateway, chunked):
    """2 MB: over the native 1 MiB, within /v1's MAX_COMPAT_BODY_BYTES (20 MiB), so it
    reaches the view (401 without credentials) there and is refused on the native API."""
    body = json.dumps({"model": "auto", "messages": [], "pad": "x" * 2_000_000}).encode()
    statuses = {}
    for path in ("/v1/chat/completions", "/api/chat/"):
        if chunked:
            framing = b"Transfer-Encoding: chunked\r\n\r\n"
            payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        else:
            framing = b"Content-Length: %d\r\n\r\n" % len(body)
            payload = body
        with _connect(gateway) as sock:
            sock.sendall(
                b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % path.encode()
                + b"Content-Type: application/json\r\n"
                + framing
            )
            # Refused early, the rest may not be taken: the answer is already waiting.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(payload)
            statuses[path], _headers, _body = _read_response(sock)

    assert statuses == {"/v1/chat/completions": 401, "/api/chat/": 413}
