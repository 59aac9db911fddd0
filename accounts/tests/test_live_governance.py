"""Changes take effect at once on every process: two Daphne processes, one database and Redis.

A key revoked, a key expired, a user deactivated, a budget lowered — through one process or
the admin — are seen by the other process on its very next request.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_key_create
from routing.tests.chat.helpers import bearer

pytestmark = pytest.mark.slow

WHOAMI = "/api/user/me"


@pytest.fixture
def two(live_gateway_factory):
    a, b = live_gateway_factory(processes=2).urls
    return a, b


def _me(url: str, raw_key: str) -> httpx.Response:
    return httpx.get(url + WHOAMI, headers={"X-API-Key": raw_key}, timeout=10)


def test_a_key_revoked_on_one_process_stops_at_once_on_the_other(two, user):
    a, b = two
    created = api_key_create(user=user, name="ci")
    assert _me(a, created.raw_key).status_code == 200
    assert _me(b, created.raw_key).status_code == 200

    revoked = httpx.delete(
        f"{a}/api/user/api-keys/{created.api_key.pk}", headers=bearer(user), timeout=10
    )

    assert revoked.status_code == 204
    assert _me(b, created.raw_key).status_code == 401
    assert _me(a, created.raw_key).status_code == 401


def test_expiry_deactivation_and_a_lowered_budget_are_seen_by_both(two, user, outsider):
    a, b = two
    expiring = api_key_create(user=user, name="short")
    outsiders = api_key_create(user=outsider, name="m")
    for url in (a, b):
        assert _me(url, expiring.raw_key).status_code == 200
        assert _me(url, outsiders.raw_key).status_code == 200

    ApiKey.objects.filter(pk=expiring.api_key.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    outsider.is_active = False
    outsider.save()
    user.token_budget_day = 1234
    user.save()

    for url in (a, b):
        expired = _me(url, expiring.raw_key)
        assert (expired.status_code, expired.json()["error"]["code"]) == (401, "api_key_expired")
        assert _me(url, outsiders.raw_key).status_code == 401
        day = httpx.get(url + WHOAMI, headers=bearer(user), timeout=10).json()["budgets"][0]
        assert (day["limit"], day["remaining"]) == (1234, 1234)
