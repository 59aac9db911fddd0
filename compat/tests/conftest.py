"""Fixtures for the drop-in API tests: one live Daphne per module in front of the Ollama
test server, and people holding API keys (committed, so the live gateway sees them)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from llmgateway.tests.live import GatewayProcess, gateway_env, start_gateway_process
from ollama_testserver import OllamaTestServer, Reply


@dataclass(frozen=True)
class Holder:
    """A person and the raw API key they use."""

    user: object
    key: str


def route_to_general(server: OllamaTestServer) -> None:
    """The agent's classifier (a structured-output call) routes every query to general."""
    answer = {"intent": "general", "confidence": 0.9, "complexity": "simple"}
    server.on_structured(Reply(content=json.dumps(answer)))


@pytest.fixture(scope="module")
def start_gateway(django_db_setup, tmp_path_factory) -> Iterator[Callable[..., GatewayProcess]]:
    """Start Daphne processes that live until the module ends (env overrides as strings)."""
    started: list[GatewayProcess] = []
    log_dir = tmp_path_factory.mktemp("gateway-logs")

    def start(**env_overrides: str) -> GatewayProcess:
        process = start_gateway_process(gateway_env(**env_overrides), log_dir)
        started.append(process)
        return process

    yield start
    for process in started:
        process.process.kill()
        process.process.wait(timeout=10)


@pytest.fixture(scope="module")
def gateway(start_gateway, ollama_server_session) -> GatewayProcess:
    """The module's gateway, talking to the session's Ollama test server."""
    return start_gateway(OLLAMA_URL=ollama_server_session.url)


@pytest.fixture
def ollama(ollama_server) -> OllamaTestServer:
    """The Ollama test server, reset for this test, the classifier routing to general."""
    route_to_general(ollama_server)
    return ollama_server


def _holder(user, quota: int) -> Holder:
    from accounts.services import api_key_create

    user.quota_per_minute = quota
    user.save(update_fields=["quota_per_minute"])
    return Holder(user, api_key_create(user=user, name="client").raw_key)


@pytest.fixture
def bob(transactional_db, user) -> Holder:
    """Bob with an API key and a quota no test reaches unless it means to."""
    return _holder(user, 1000)


@pytest.fixture
def alice(transactional_db, admin_user) -> Holder:
    """Alice, an administrator, with an API key."""
    return _holder(admin_user, 1000)


def ledger(api: str) -> list:
    from metrics.models import UsageRecord

    return list(UsageRecord.objects.filter(api=api).order_by("created_at"))
