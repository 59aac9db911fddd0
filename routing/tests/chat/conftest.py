"""Chat API fixtures: a user with room in their quota, the Ollama test server routed to
`general`, and a live Daphne gateway in front of both."""

from __future__ import annotations

import httpx
import pytest

from llmgateway.tests.live import LiveGateway
from routing.tests.chat.helpers import bearer, route_to_general


@pytest.fixture
def chat_user(user):
    """Bob, with a quota no test reaches unless it means to."""
    user.quota_per_minute = 1000
    user.save(update_fields=["quota_per_minute"])
    return user


@pytest.fixture
def ollama(ollama_server):
    """The Ollama test server; the classifier routes every query to `general`/`simple`."""
    route_to_general(ollama_server)
    return ollama_server


@pytest.fixture
def gateway(ollama, live_gateway_factory) -> LiveGateway:
    """One Daphne process whose OLLAMA_URL is the test server (set before it starts)."""
    return live_gateway_factory()


@pytest.fixture
def http(gateway, chat_user):
    """A synchronous HTTP client for the live gateway, signed in as Bob."""
    with httpx.Client(base_url=gateway.url, headers=bearer(chat_user), timeout=30) as client:
        yield client
