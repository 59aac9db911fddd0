"""Fixtures of the accounts tests: API keys, key-authenticated clients, token pairs."""

from __future__ import annotations

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from accounts.services import api_key_create
from accounts.tests.helpers import key_client_for
from accounts.tokens import token_pair_issue

# The live chat fixtures, for the quota tests that burst the chat endpoints.
from routing.tests.chat.conftest import chat_user, gateway, ollama  # noqa: F401


@pytest.fixture
def user_key(user):
    """One of bob's API keys, with its raw value (CreatedApiKey)."""
    return api_key_create(user=user, name="laptop")


@pytest.fixture
def outsider_key(outsider):
    return api_key_create(user=outsider, name="mallory's")


@pytest.fixture
def user_key_client(user_key):
    return key_client_for(user_key.raw_key)


@pytest.fixture
def user_tokens(user):
    return token_pair_issue(user=user)


@pytest.fixture
def redis_down(monkeypatch):
    """Point the given modules' Redis at a port where nothing listens."""

    def down(*modules):
        dead = redis.Redis(
            host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
        )
        for module in modules:
            monkeypatch.setattr(module, "sync_redis", lambda: dead)

    return down


@pytest.fixture
def site(client, admin_user):
    """The Django admin site, signed in as alice (role=admin, not a superuser)."""
    client.force_login(admin_user)
    return client
