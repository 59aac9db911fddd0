"""Concurrent wrong passwords for one username: at most the budget reach the password check."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connections
from rest_framework.test import APIClient

RACERS = 20
BUDGET = 5


@pytest.mark.django_db(transaction=True)
def test_it_lets_at_most_the_budget_of_concurrent_guesses_reach_the_password_check(
    user, settings, monkeypatch
):
    settings.LOGIN_MAX_FAILURES = BUDGET
    checked = []
    real_authenticate = ModelBackend.authenticate

    def counting_authenticate(self, request, username=None, password=None, **kwargs):
        checked.append(username)  # list.append is atomic under the GIL
        return real_authenticate(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting_authenticate)
    start = threading.Barrier(RACERS)

    def guess(_) -> tuple[int, str | None]:
        try:
            client = APIClient()
            start.wait()
            response = client.post(
                "/api/auth/login", {"username": "bob", "password": "Wr0ng-guess!"}, format="json"
            )
            return response.status_code, response.get("Retry-After")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(guess, range(RACERS)))

    statuses = sorted(status for status, _ in results)
    assert len(checked) == BUDGET
    assert statuses == [401] * BUDGET + [429] * (RACERS - BUDGET)
    assert all(int(retry) > 0 for status, retry in results if status == 429)
