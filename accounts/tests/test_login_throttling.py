from __future__ import annotations

import ipaddress
import logging
import random

import pytest

from accounts import throttling
from accounts.tests.helpers import PASSWORD
from core.redis_client import sync_redis

URL = "/api/auth/login"
WRONG = "Wr0ng-password!"


@pytest.fixture(autouse=True)
def _small_budget(settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_SECONDS = 30


def _login(client, username, password, ip="203.0.113.7", **headers):
    return client.post(
        URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip, **headers
    )


def _random_public_address(rng: random.Random) -> str:
    while True:
        address = ipaddress.IPv4Address(rng.getrandbits(32))
        if address.is_global:
            return str(address)


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


def test_a_forged_x_forwarded_for_from_a_public_peer_opens_no_new_bucket(api_client, user):
    # Daphne --proxy-headers reports the address nginx wrote as REMOTE_ADDR (public); any
    # X-Forwarded-For the client adds on top is its own word and must not pick the bucket.
    rng = random.Random(20261126)
    peer = _random_public_address(rng)
    for number in range(2 * throttling.IP_FAILURE_FACTOR):
        forged = _random_public_address(rng)
        response = _login(api_client, f"guess{number}", WRONG, peer, HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 401

    forged = _random_public_address(rng)
    response = _login(api_client, "bob", PASSWORD, peer, HTTP_X_FORWARDED_FOR=forged)

    assert response.status_code == 429
    assert sync_redis().get(throttling.ip_key(forged)) is None


def test_it_normalises_the_username_before_counting(api_client, user):
    full_width_bob = "\uff42\uff4f\uff42"  # NFKC-normalises to "bob"
    for _ in range(2):
        _login(api_client, full_width_bob, WRONG)

    assert _login(api_client, "bob", PASSWORD).status_code == 429


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


def test_it_gives_the_address_its_attempt_back_on_success(api_client, user):
    # An office behind one address signs in all day; only failures may use up its budget.
    for _ in range(2 * throttling.IP_FAILURE_FACTOR + 1):
        assert _login(api_client, "bob", PASSWORD).status_code == 200

    assert int(sync_redis().get(throttling.ip_key("203.0.113.7"))) == 0


def test_it_fails_open_when_redis_is_down(api_client, user, redis_down, caplog):
    redis_down(throttling)

    with caplog.at_level(logging.WARNING, logger="accounts.throttling"):
        for _ in range(3):
            assert _login(api_client, "bob", WRONG).status_code == 401
        assert _login(api_client, "bob", PASSWORD).status_code == 200

    assert "Redis down" in caplog.text
