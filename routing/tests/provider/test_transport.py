"""routing/ollama/transport.py: httpx's interface over aiohttp's connections, against the
Ollama test server and raw sockets that misbehave on purpose. What the failover and the
`ollama` library read must be what httpx's own transport gives: the same bodies, the same
streaming, the same exception types."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import socket
from collections.abc import Awaitable, Callable

import httpx
import ollama
import pytest

from ollama_testserver import OllamaTestServer, Reply
from routing.ollama.failover import is_refused
from routing.ollama.transport import AiohttpTransport

MODEL = "qwen2.5:7b"


@pytest.fixture(scope="module")
def server():
    with OllamaTestServer() as running:
        yield running


@pytest.fixture
def fresh(server) -> OllamaTestServer:
    server.reset()
    return server


def client(base: str, **timeouts: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base, transport=AiohttpTransport(), timeout=httpx.Timeout(5.0, **timeouts)
    )


def chat(stream: bool) -> dict:
    return {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": stream}


async def test_a_json_call_sends_the_body_and_headers_and_reads_the_answer(fresh):
    async with client(fresh.url) as http:
        response = await http.post("/api/chat", json=chat(False), headers={"X-Trace": "t-1"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["done"] is True
    received = fresh.chat_requests[-1]
    assert received.body == chat(False)
    assert received.headers["x-trace"] == "t-1"


async def test_a_stream_arrives_line_by_line_as_the_server_sends_it(fresh):
    fresh.set_default(Reply(chunks=["a", "b", "c"], chunk_interval=0.05))
    async with (
        client(fresh.url) as http,
        http.stream("POST", "/api/chat", json=chat(True)) as response,
    ):
        lines = [json.loads(line) async for line in response.aiter_lines() if line]

    assert [line["message"]["content"] for line in lines[:-1]] == ["a", "b", "c"]
    assert lines[-1]["done"] is True


async def test_an_error_status_is_a_response_not_an_exception(fresh):
    fresh.fail("/api/embed", status=503, message="busy")
    async with client(fresh.url) as http:
        response = await http.post("/api/embed", json={"model": MODEL, "input": "x"})

    assert (response.status_code, response.json()) == (503, {"error": "busy"})


async def test_connections_are_reused_between_calls(fresh):
    transport = AiohttpTransport()
    async with httpx.AsyncClient(base_url=fresh.url, transport=transport) as http:
        for _ in range(5):
            assert (await http.post("/api/chat", json=chat(False))).status_code == 200
        # One connection served the five calls and is kept for the next.
        (idle,) = transport._session.connector._conns.values()
        assert len(idle) == 1


async def test_the_ollama_library_runs_on_it(fresh):
    model = ollama.AsyncClient(host=fresh.url, transport=AiohttpTransport())

    answer = await model.chat(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    pieces = [
        part.message.content
        async for part in await model.chat(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=True
        )
    ]

    assert answer.message.content
    assert "".join(pieces) == answer.message.content


async def test_a_refused_connection_is_httpx_connect_error(unused_port):
    async with client(f"http://127.0.0.1:{unused_port}") as http:
        with pytest.raises(httpx.ConnectError) as caught:
            await http.get("/api/tags")

    assert is_refused(caught.value)
    assert isinstance(caught.value.__cause__.__cause__, ConnectionRefusedError)


async def test_the_ollama_library_reads_a_refused_connection_as_connection_error(unused_port):
    model = ollama.AsyncClient(host=f"http://127.0.0.1:{unused_port}", transport=AiohttpTransport())

    with pytest.raises(ConnectionError):
        await model.chat(model=MODEL, messages=[{"role": "user", "content": "hi"}])


async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def cut_short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial":')
    await writer.drain()
    writer.close()


@pytest.mark.parametrize("server_side", [hang_up, cut_short], ids=["no answer", "body cut short"])
async def test_a_server_that_hangs_up_early_is_a_protocol_error(server_side):
    async with raw_server(server_side) as base, client(base) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/api/tags")


async def test_a_silent_server_is_a_read_timeout():
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up

    async with raw_server(silent) as base, client(base, read=0.2) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/api/tags")


async def test_a_stream_left_midway_closes_its_connection(fresh):
    fresh.set_default(Reply(chunks=["a"] * 50, chunk_interval=0.05))
    async with (
        client(fresh.url) as http,
        http.stream("POST", "/api/chat", json=chat(True)) as response,
    ):
        async for _line in response.aiter_lines():
            break  # the gateway's client left after the first token

    assert await fresh.async_wait_for(lambda: fresh.disconnects == 1)


async def test_a_transport_dropped_unclosed_reports_nothing(fresh, caplog):
    transport = AiohttpTransport()
    http = httpx.AsyncClient(base_url=fresh.url, transport=transport)
    assert (await http.post("/api/chat", json=chat(False))).status_code == 200

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        del http, transport
        gc.collect()

    assert not [record for record in caplog.records if "Unclosed" in record.getMessage()]


async def test_an_http_proxy_from_the_environment_is_used_as_httpx_would(monkeypatch):
    seen: list[bytes] = []

    async with raw_server(answering_empty_json(seen)) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with client("http://ollama.internal:11434") as http:
            response = await http.get("/api/tags")

    assert response.json() == {}
    assert seen[0].startswith(b"GET http://ollama.internal:11434/api/tags HTTP/1.1")


async def test_no_proxy_sends_the_call_direct(monkeypatch):
    proxied: list[bytes] = []

    async with (
        raw_server(answering_empty_json(proxied)) as proxy_url,
        raw_server(answering_empty_json()) as ollama_url,
    ):
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with client(ollama_url) as http:
            response = await http.get("/api/tags")

    assert response.json() == {}
    assert proxied == []


# --- helpers ---------------------------------------------------------------------------


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answering_empty_json(seen: list[bytes] | None = None):
    """A handler answering any request with `{}`, noting each request's head in `seen`."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if seen is not None:
            seen.append(head)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()

    return handler


class raw_server:
    """A one-handler TCP server on a loopback port: `async with raw_server(h) as base_url`."""

    def __init__(self, handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable]):
        self._handler = handler
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._handler, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
