"""Fixtures of the metrics tests: a seeded usage ledger and an admin signed in to the site."""

import pytest

from metrics.tests.usage_data import seed_usage


@pytest.fixture
def seeded(user, admin_user):
    seed_usage(user, admin_user)


@pytest.fixture
def admin_session(client, admin_user):
    client.force_login(admin_user)
    return client
