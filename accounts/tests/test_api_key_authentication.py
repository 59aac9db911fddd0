"""X-API-Key authentication: lookup by prefix, constant-time digest check, revocation, last use."""

from __future__ import annotations

import hmac
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from accounts import selectors
from accounts.authentication import ApiKeyAuthentication
from accounts.keys import DISPLAY_PREFIX_LENGTH, api_key_digest, api_key_generate
from accounts.messages import INVALID_API_KEY, MALFORMED_API_KEY
from accounts.models import ApiKey
from accounts.services import api_key_touch
from accounts.tests.helpers import key_client_for
from core.request_context import current_user_id

ME = "/api/user/me"


def _assert_refused(response, message):
    assert response.status_code == 401
    assert response["WWW-Authenticate"]
    assert response.json()["error"] == {
        "code": "invalid_api_key",
        "message": message,
        "details": None,
    }


def test_it_accepts_a_valid_key(user_key_client, user):
    response = user_key_client.get(ME)

    assert response.status_code == 200
    assert response.json()["id"] == str(user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("raw_key", ["", "sk-", "sk-short", "pk-" + "a" * 43, "sk-" + "a/" * 20])
def test_it_refuses_a_malformed_key(raw_key):
    _assert_refused(key_client_for(raw_key).get(ME), MALFORMED_API_KEY)


@pytest.mark.django_db
def test_it_refuses_an_unknown_key():
    _assert_refused(key_client_for(api_key_generate()).get(ME), INVALID_API_KEY)


def test_it_refuses_a_revoked_key(user_key, user_key_client):
    ApiKey.objects.filter(pk=user_key.api_key.pk).update(is_active=False)

    _assert_refused(user_key_client.get(ME), INVALID_API_KEY)


def test_it_refuses_the_key_of_an_inactive_user(user, user_key_client):
    user.is_active = False
    user.save()

    _assert_refused(user_key_client.get(ME), INVALID_API_KEY)


def test_it_sets_request_auth_to_the_key_and_binds_the_user(user, user_key):
    request = APIRequestFactory().get(ME, HTTP_X_API_KEY=user_key.raw_key)

    authenticated_user, api_key = ApiKeyAuthentication().authenticate(request)

    assert authenticated_user == user
    assert api_key == user_key.api_key
    assert current_user_id() == str(user.pk)


def test_it_needs_one_query_when_the_key_was_used_recently(user_key, django_assert_num_queries):
    ApiKey.objects.filter(pk=user_key.api_key.pk).update(last_used_at=timezone.now())
    request = APIRequestFactory().get(ME, HTTP_X_API_KEY=user_key.raw_key)

    with django_assert_num_queries(1):
        ApiKeyAuthentication().authenticate(request)


def _same_prefix_other_key(raw_key: str) -> str:
    """A well-formed key that shares the stored key's (non-secret) prefix, nothing else."""
    rest = raw_key[DISPLAY_PREFIX_LENGTH:]
    return raw_key[:DISPLAY_PREFIX_LENGTH] + ("A" if rest[0] != "A" else "B") * len(rest)


def test_it_refuses_a_key_with_the_right_prefix_but_the_wrong_rest(user_key):
    forged = _same_prefix_other_key(user_key.raw_key)

    assert selectors.api_key_get_by_raw_key(raw_key=forged) is None
    _assert_refused(key_client_for(forged).get(ME), INVALID_API_KEY)


def test_it_finds_keys_by_prefix_and_compares_digests_in_constant_time(user_key, monkeypatch):
    # The prefix is not secret and picks the candidates; the digest decides, compared in
    # constant time, so a presented key whose prefix matches is still checked digest-to-digest.
    calls = []
    real_compare = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(selectors.hmac, "compare_digest", spy)
    forged = _same_prefix_other_key(user_key.raw_key)

    assert selectors.api_key_get_by_raw_key(raw_key=forged) is None
    assert calls == [(user_key.api_key.key_hash.encode(), api_key_digest(forged).encode())]

    calls.clear()
    assert selectors.api_key_get_by_raw_key(raw_key=user_key.raw_key) == user_key.api_key
    assert calls == [(user_key.api_key.key_hash.encode(),) * 2]


def test_it_records_the_first_use(user_key, user_key_client):
    assert user_key.api_key.last_used_at is None

    user_key_client.get(ME)

    user_key.api_key.refresh_from_db()
    assert user_key.api_key.last_used_at is not None


def test_it_writes_last_use_at_most_once_a_minute(user_key):
    api_key = user_key.api_key
    start = timezone.now()

    assert api_key_touch(api_key=api_key, now=start) is True
    assert api_key_touch(api_key=api_key, now=start + timedelta(seconds=59)) is False
    assert api_key_touch(api_key=api_key, now=start + timedelta(seconds=61)) is True

    api_key.refresh_from_db()
    assert api_key.last_used_at == start + timedelta(seconds=61)


def test_it_does_not_rewrite_a_use_another_process_just_recorded(user_key):
    api_key = user_key.api_key
    now = timezone.now()
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)  # another process

    assert api_key_touch(api_key=api_key, now=now + timedelta(seconds=5)) is False
