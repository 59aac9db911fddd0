"""GET /api/user/me: the caller's profile and this minute's quota."""

from __future__ import annotations

from datetime import UTC, datetime

from accounts import selectors
from accounts.selectors import quota_key
from core.redis_client import sync_redis

ME = "/api/user/me"


def test_it_shows_the_profile_and_the_default_quota(user_client, user, settings):
    settings.QUOTA_PER_MINUTE = 20

    response = user_client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(user.pk)
    assert body["username"] == "bob"
    assert body["email"] == "bob@example.com"
    assert body["role"] == "user"
    assert body["is_active"] is True
    assert body["created_at"]
    assert body["quota"] == {"per_minute": 20, "used_this_minute": 0, "remaining": 20}


def test_it_works_with_an_api_key(user_key_client):
    response = user_key_client.get(ME)

    assert response.status_code == 200
    assert response.json()["username"] == "bob"


def test_it_reads_this_minutes_counter_and_the_users_override(user_client, user):
    user.quota_per_minute = 5
    user.save()
    sync_redis().set(quota_key(user_id=user.pk, at=datetime.now(UTC)), 3, ex=120)

    quota = user_client.get(ME).json()["quota"]

    assert quota["per_minute"] == 5
    assert quota["used_this_minute"] in {3, 0}  # 0 only if the minute turned meanwhile
    assert quota["remaining"] == 5 - quota["used_this_minute"]


def test_it_never_reports_a_negative_remainder(user):
    now = datetime.now(UTC)
    sync_redis().set(quota_key(user_id=user.pk, at=now), 99, ex=120)

    quota = selectors.user_quota_get(user=user, now=now)

    assert quota.used_this_minute == 99
    assert quota.remaining == 0


def test_it_names_the_counter_as_the_chat_pipeline_does(user):
    at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)

    assert quota_key(user_id=user.pk, at=at) == f"quota:{user.pk}:202603040506"


def test_it_reports_usage_as_unknown_when_redis_is_down(user_client, redis_down):
    redis_down(selectors)

    response = user_client.get(ME)

    assert response.status_code == 200
    quota = response.json()["quota"]
    assert quota["used_this_minute"] is None
    assert quota["remaining"] is None
    assert quota["per_minute"] > 0


def test_it_needs_authentication(api_client, db):
    assert api_client.get(ME).status_code == 401
