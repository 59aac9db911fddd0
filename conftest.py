"""Test-wide fixtures: real PostgreSQL and Redis, personas (an admin, a user, an outsider).

Environment defaults live in llmgateway/tests/environment.py, loaded with `-p` before
Django reads its settings.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["llmgateway.tests.live", "ollama_testserver.fixtures", "routing.tests.fakes"]

PASSWORD = "Sup3r-secret!"


@pytest.fixture(autouse=True)
def _clean_redis(settings):
    """Each test starts from an empty Redis database (the test database index only)."""
    from core.redis_client import sync_redis
    from metrics import store

    client = sync_redis()
    client.flushdb()
    store.discard_deferred()  # samples an earlier test deferred must not land in this one
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
