"""Test-wide setup: real PostgreSQL and Redis, personas (an admin, a user, an outsider).

The environment defaults below apply when pytest runs outside `make test`; they must be
set before Django reads its settings, which is why they sit at module level.
"""

from __future__ import annotations

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/llmgateway")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("OLLAMA_URL", "http://127.0.0.1:9")  # nothing listens; tests set their own
os.environ.setdefault("WEB_SEARCH_BACKEND", "routing.tests.fakes.FakeSearchBackend")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import pytest

PASSWORD = "Sup3r-secret!"


@pytest.fixture(autouse=True)
def _clean_redis(settings):
    """Each test starts from an empty Redis database (the test database index only)."""
    from llmgateway.redis_client import sync_redis

    client = sync_redis()
    client.flushdb()
    yield
    client.flushdb()


def _make_user(username: str, *, role: str = "user", **extra):
    from accounts.models import User

    return User.objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD, role=role, **extra
    )


@pytest.fixture
def admin_user(db):
    return _make_user("alice_admin", role="admin")


@pytest.fixture
def user(db):
    return _make_user("bob")


@pytest.fixture
def outsider(db):
    return _make_user("mallory")


def _bearer_client(user):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    access = RefreshToken.for_user(user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def user_client(user):
    return _bearer_client(user)


@pytest.fixture
def admin_client(admin_user):
    return _bearer_client(admin_user)


@pytest.fixture
def outsider_client(outsider):
    return _bearer_client(outsider)
