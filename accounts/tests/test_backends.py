"""ThrottledModelBackend on its own: Django's authenticate() with and without a request."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from accounts import throttling
from accounts.backends import login_lockout
from accounts.tests.helpers import PASSWORD
from core.redis_client import sync_redis

WRONG = "Wr0ng-password!"


@pytest.fixture(autouse=True)
def _small_budget(settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_SECONDS = 30


def test_it_counts_a_sign_in_without_a_request_under_the_username_only(user):
    assert authenticate(username="bob", password=WRONG) is None

    assert sync_redis().get(throttling.username_key("bob")) == b"1"
    assert sync_redis().keys("login_fail:ip:*") == []


def test_it_refuses_the_right_password_while_locked_and_says_why(user):
    for _ in range(2):
        assert authenticate(username="bob", password=WRONG) is None
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="203.0.113.7")

    assert authenticate(request, username="bob", password=PASSWORD) is None
    assert 0 < login_lockout(request) <= 30


def test_a_plain_failure_is_not_reported_as_a_lock(user):
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="203.0.113.7")

    assert authenticate(request, username="bob", password=WRONG) is None
    assert login_lockout(request) is None


def test_it_ignores_credentials_without_a_password(user):
    assert authenticate(username="bob") is None

    assert sync_redis().get(throttling.username_key("bob")) is None
