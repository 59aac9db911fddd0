from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory

from accounts import throttling
from accounts.tests.helpers import PASSWORD
from llmgateway.redis_client import sync_redis

URL = "/api/auth/login"
WRONG = "Wr0ng-password!"


@pytest.fixture(autouse=True)
def _small_budget(settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_SECONDS = 30


def _login(client, username, password, ip="203.0.113.7"):
    return client.post(
        URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def test_it_locks_a_username_after_repeated_failures(api_client, user):
    assert [_login(api_client, "bob", WRONG).status_code for _ in range(2)] == [401, 401]

    response = _login(api_client, "bob", PASSWORD)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(response["Retry-After"]) <= 30


def test_it_locks_the_username_from_every_address(api_client, user):
    for _ in range(2):
        _login(api_client, "bob", WRONG, ip="203.0.113.7")

    assert _login(api_client, "BOB", PASSWORD, ip="198.51.100.9").status_code == 429


def test_it_locks_an_address_that_sprays_many_usernames(api_client, user):
    budget = 2 * throttling.IP_FAILURE_FACTOR
    for number in range(budget):
        assert _login(api_client, f"guess{number}", WRONG).status_code == 401

    assert _login(api_client, "bob", PASSWORD).status_code == 429
    assert _login(api_client, "bob", PASSWORD, ip="198.51.100.9").status_code == 200


def test_it_lifts_the_lock_when_the_window_expires(api_client, user):
    for _ in range(2):
        _login(api_client, "bob", WRONG)
    key = throttling.username_key("bob")
    assert 0 < sync_redis().ttl(key) <= 30  # the counter always expires on its own

    sync_redis().delete(key, throttling.ip_key("203.0.113.7"))  # the window has passed

    assert _login(api_client, "bob", PASSWORD).status_code == 200


def test_it_clears_the_username_counter_on_success(api_client, user):
    _login(api_client, "bob", WRONG)
    assert _login(api_client, "bob", PASSWORD).status_code == 200

    assert sync_redis().get(throttling.username_key("bob")) is None
    assert _login(api_client, "bob", WRONG).status_code == 401
    assert _login(api_client, "bob", PASSWORD).status_code == 200


def test_it_counts_only_failures(api_client, user):
    for _ in range(3):  # more than the budget of 2
        assert _login(api_client, "bob", PASSWORD).status_code == 200


def test_it_fails_open_when_redis_is_down(api_client, user, redis_down, caplog):
    redis_down(throttling)

    with caplog.at_level(logging.WARNING, logger="accounts.throttling"):
        for _ in range(3):
            assert _login(api_client, "bob", WRONG).status_code == 401
        assert _login(api_client, "bob", PASSWORD).status_code == 200

    assert "Redis down" in caplog.text


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.7", "", "203.0.113.7"),
        ("10.0.0.5", "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # our nginx appended
        ("172.18.0.3", "2001:db8::1", "2001:db8::1"),
        ("8.8.8.8", "198.51.100.1", "8.8.8.8"),  # no proxy: the header is a lie
        ("10.0.0.5", "not-an-address", "10.0.0.5"),
    ],
)
def test_it_takes_the_client_address_from_the_last_trusted_hop(remote, forwarded, expected):
    request = RequestFactory().post(URL, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert throttling.client_ip(request) == expected
