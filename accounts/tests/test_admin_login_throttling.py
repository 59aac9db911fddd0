"""The Django admin's sign-in page shares the API login's throttle (ThrottledModelBackend)."""

from __future__ import annotations

import pytest

from accounts import throttling
from accounts.messages import LOGIN_LOCKED
from accounts.tests.helpers import PASSWORD
from core.redis_client import sync_redis

ADMIN_LOGIN = "/admin/login/"
WRONG = "Wr0ng-password!"
ADDRESS = "203.0.113.7"


@pytest.fixture(autouse=True)
def _small_budget(settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_SECONDS = 30


def _admin_login(client, password, username="alice_admin"):
    return client.post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ADDRESS,
    )


def _assert_refused(client, response):
    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_it_refuses_the_right_password_after_repeated_admin_login_failures(client, admin_user):
    for _ in range(2):
        _assert_refused(client, _admin_login(client, WRONG))

    response = _admin_login(client, PASSWORD)

    _assert_refused(client, response)
    lockout = response.context["form"].non_field_errors()
    assert [message.split(";")[0] for message in lockout] == [LOGIN_LOCKED.split(";")[0]]


def test_it_admits_again_when_the_window_expires(client, admin_user):
    for _ in range(2):
        _admin_login(client, WRONG)
    assert 0 < sync_redis().ttl(throttling.username_key("alice_admin")) <= 30

    sync_redis().expire(throttling.username_key("alice_admin"), 0)  # the window has passed

    response = _admin_login(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_it_shares_the_lock_with_the_api_login(client, api_client, admin_user):
    for _ in range(2):
        api_client.post(
            "/api/auth/login",
            {"username": "alice_admin", "password": WRONG},
            format="json",
            REMOTE_ADDR="198.51.100.9",
        )

    _assert_refused(client, _admin_login(client, PASSWORD))


def test_the_api_login_reports_a_lock_the_admin_page_started(client, api_client, admin_user):
    for _ in range(2):
        _admin_login(client, WRONG)

    response = api_client.post(
        "/api/auth/login", {"username": "alice_admin", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(response["Retry-After"]) <= 30
