"""Fixtures for the pre-router tests: fast routing on, the agent's scripted model."""

from __future__ import annotations

import pytest

from routing.tests.agent.conftest import ollama, script  # noqa: F401  (shared fixtures)
from routing.tests.fakes import fake_search  # noqa: F401


@pytest.fixture
def fast_routing(settings):
    """The pre-router may decide alone (the test environment turns it off by default)."""
    settings.ROUTER_ENABLED = True
    settings.ROUTER_THRESHOLD = 0.0
    return settings


@pytest.fixture
def admin_session(client, admin_user):
    client.force_login(admin_user)
    return client
