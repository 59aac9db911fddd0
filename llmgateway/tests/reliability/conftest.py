"""Fixtures for the fault and bad-input tests: live gateways shared by a module, a user with
room in their quota, and the Ollama test server routing every query to `general`.

Starting Daphne costs seconds, so a gateway is started once per module (`start_gateway`)
and the tests of that module share it; the database is still emptied after every test
(`transactional_db`), and every test starts with an empty Redis database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from llmgateway.tests.live import GatewayProcess, gateway_env, start_gateway_process
from llmgateway.tests.reliability.client import bearer
from llmgateway.tests.reliability.tcp_proxy import TcpProxy
from ollama_testserver import OllamaTestServer, Reply

REQUEST_TIMEOUT_SECONDS = 15.0


def route_to_general(server: OllamaTestServer) -> None:
    """The classifier (a structured-output call) sends every query to `general`/`simple`."""
    answer = {"intent": "general", "confidence": 0.9, "complexity": "simple"}
    server.on_structured(Reply(content=json.dumps(answer)))


def is_answer_request(body: dict | None) -> bool:
    """The plain chat call that writes the final answer (not the classifier's)."""
    return bool(body) and not body.get("format") and not body.get("tools")


@pytest.fixture(scope="module")
def start_gateway(django_db_setup, tmp_path_factory) -> Iterator[Callable[..., GatewayProcess]]:
    """Start a Daphne process (env overrides as strings) that lives until the module ends."""
    started: list[GatewayProcess] = []
    log_dir = tmp_path_factory.mktemp("gateway-logs")

    def start(*, listen_backlog: int | None = None, **env_overrides: str) -> GatewayProcess:
        env = gateway_env(**env_overrides)
        process = start_gateway_process(env, log_dir, listen_backlog=listen_backlog)
        started.append(process)
        return process

    yield start
    for process in started:
        # SIGKILL: a test gateway holds nothing worth a graceful (multi-second) shutdown.
        process.process.kill()
        process.process.wait(timeout=10)


@pytest.fixture(scope="module")
def ollama_proxy(ollama_server_session) -> Iterator[TcpProxy]:
    """A switchable TCP link to the session's Ollama test server."""
    proxy = TcpProxy("127.0.0.1", ollama_server_session.port).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def ollama(ollama_server, ollama_proxy) -> Iterator[OllamaTestServer]:
    """The Ollama test server, reset, routing to `general`, reachable through the proxy."""
    route_to_general(ollama_server)
    ollama_proxy.restore()
    yield ollama_server
    ollama_proxy.restore()


@pytest.fixture
def chat_user(transactional_db, user):
    """Bob, committed so live gateways see him, with a quota no test reaches by accident."""
    user.quota_per_minute = 1000
    user.save(update_fields=["quota_per_minute"])
    return user


def client_for(gateway: GatewayProcess, user=None) -> httpx.Client:
    headers = bearer(user) if user is not None else {}
    return httpx.Client(base_url=gateway.url, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS)
