"""Fixtures for the fleet tests: three Ollama test servers on loopback ports, shared by the
module and reset per test, and a fleet that starts every test fresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ollama_testserver import OllamaTestServer
from routing.ollama import backend as backend_module
from routing.ollama import chat_models as llm
from routing.ollama import fleet as fleet_module
from routing.ollama.fleet import fleet


@pytest.fixture(scope="module")
def servers_session() -> Iterator[list[OllamaTestServer]]:
    """Two full servers and one that lacks MODEL_COMPLEX."""
    trio = [
        OllamaTestServer().start(),
        OllamaTestServer().start(),
        OllamaTestServer(models=["llama3.2:3b"]).start(),
    ]
    yield trio
    for server in trio:
        server.stop()


@pytest.fixture
def servers(servers_session, settings) -> Iterator[list[OllamaTestServer]]:
    """The three servers, reset, running, and configured as OLLAMA_URLS."""
    for server in servers_session:
        if server._thread is None:  # a test stopped it
            server.start()
        server.reset()
    settings.OLLAMA_URLS = [server.url for server in servers_session]
    settings.MODEL_SIMPLE = "llama3.2:3b"
    settings.MODEL_COMPLEX = "qwen2.5:7b"
    settings.OLLAMA_MAX_CONCURRENCY = 0
    llm.set_model_factory(None)
    fleet().forget()
    yield servers_session
    fleet().forget()


@pytest.fixture
def pair(servers, settings) -> list[OllamaTestServer]:
    """Only the first two servers (both serve both models)."""
    settings.OLLAMA_URLS = [server.url for server in servers[:2]]
    return servers[:2]


@pytest.fixture
def quick_recovery(monkeypatch) -> None:
    """Probe often and cool down fast, so recovery is seen in a test's time."""
    monkeypatch.setattr(fleet_module, "REFRESH_INTERVAL_SECONDS", 0.2)
    monkeypatch.setattr(backend_module, "BREAKER_COOLDOWN_SECONDS", 0.5)
