"""Pytest fixtures for the Ollama test server (loaded as a plugin by the root conftest).

One server runs for the whole session; each test gets it reset, with `settings.OLLAMA_URL`
pointing at it. `ollama_down_url` is a loopback URL where nothing listens.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from ollama_testserver import OllamaTestServer


@pytest.fixture(scope="session")
def ollama_server_session() -> Iterator[OllamaTestServer]:
    """The session's one Ollama test server (prefer `ollama_server`, which resets it)."""
    with OllamaTestServer() as server:
        yield server


@pytest.fixture
def ollama_server(ollama_server_session: OllamaTestServer, settings) -> Iterator[OllamaTestServer]:
    """The Ollama test server, reset for this test and set as `settings.OLLAMA_URL`."""
    ollama_server_session.reset()
    settings.OLLAMA_URL = ollama_server_session.url
    yield ollama_server_session
    # End streams this test left open so they cannot outlive it.
    ollama_server_session.reset()


@pytest.fixture
def ollama_down_url() -> Iterator[str]:
    """A loopback URL that refuses connections.

    The port stays bound (but not listening) for the whole test, so no other process can
    start listening on it meanwhile and a connect is always refused.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
