"""Two refreshes racing with one refresh token: exactly one gets a new pair."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from rest_framework.test import APIClient

from accounts.tokens import token_pair_issue

RACERS = 4


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_concurrent_refresh_win(user):
    refresh_token = token_pair_issue(user=user).refresh_token
    start = threading.Barrier(RACERS)

    def refresh() -> int:
        try:
            client = APIClient()
            start.wait()
            response = client.post(
                "/api/auth/refresh", {"refresh_token": refresh_token}, format="json"
            )
            return response.status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        statuses = sorted(pool.map(lambda _: refresh(), range(RACERS)))

    assert statuses == [200] + [401] * (RACERS - 1)
