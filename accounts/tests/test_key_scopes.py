"""Scoped API keys: created with their scopes, never above the owner, expiry, /me budgets."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import ApiKey, AuditEvent
from accounts.scopes import models_allowed
from accounts.services import api_key_create
from accounts.tests.helpers import key_client_for

URL = "/api/user/api-keys"
WHOAMI = "/api/user/me"


def test_it_creates_a_scoped_key_and_shows_its_scopes(user_client, user):
    expires = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    body = {
        "name": "ci",
        "allowed_models": ["llama3.2:3b", "auto"],
        "expires_at": expires.isoformat(),
        "requests_per_minute": 5,
        "tokens_per_minute": 1000,
        "token_budget_day": 2000,
        "token_budget_month": 30000,
    }

    response = user_client.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    shown = response.json()
    assert shown["allowed_models"] == ["llama3.2:3b", "auto"]
    assert shown["requests_per_minute"] == 5
    assert shown["tokens_per_minute"] == 1000
    assert shown["token_budget_day"] == 2000
    assert shown["token_budget_month"] == 30000
    assert shown["is_trusted_frontend"] is False
    stored = ApiKey.objects.get(pk=shown["id"])
    assert stored.expires_at == expires
    assert user_client.get(URL).json()[0]["allowed_models"] == ["llama3.2:3b", "auto"]


def test_a_key_without_scopes_may_use_every_model(user_client):
    shown = user_client.post(URL, {"name": "plain"}, format="json").json()

    assert shown["allowed_models"] == []
    assert shown["expires_at"] is None
    assert shown["token_budget_day"] is None


def test_a_key_limit_above_the_owners_is_a_400_naming_the_field(user_client, user):
    user.token_budget_day = 1000
    user.quota_per_minute = 10
    user.save()

    response = user_client.post(
        URL,
        {"name": "greedy", "token_budget_day": 1001, "requests_per_minute": 11},
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["details"]) == {"token_budget_day", "requests_per_minute"}
    assert not ApiKey.objects.filter(name="greedy").exists()


def test_a_key_budget_is_refused_above_the_gateway_default(user_client, settings):
    settings.USER_TOKEN_BUDGET_MONTH = 5000

    response = user_client.post(URL, {"name": "k", "token_budget_month": 5001}, format="json")

    assert response.status_code == 400
    assert "token_budget_month" in response.json()["error"]["details"]


def test_an_expiry_in_the_past_is_refused(user_client):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()

    response = user_client.post(URL, {"name": "old", "expires_at": past}, format="json")

    assert response.status_code == 400
    assert "expires_at" in response.json()["error"]["details"]


def test_an_expired_key_is_401(user):
    created = api_key_create(user=user, name="short")
    ApiKey.objects.filter(pk=created.api_key.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = key_client_for(created.raw_key).get(WHOAMI)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "api_key_expired"


def test_a_key_before_its_expiry_works(user):
    created = api_key_create(
        user=user, name="soon", expires_at=timezone.now() + timedelta(minutes=5)
    )

    assert key_client_for(created.raw_key).get(WHOAMI).status_code == 200


def test_me_shows_the_budgets_and_what_is_left(user_client, user, settings):
    settings.USER_TOKEN_BUDGET_MONTH = None
    user.token_budget_day = 2000
    user.save()

    budgets = user_client.get(WHOAMI).json()["budgets"]

    day, month = budgets
    assert (day["period"], day["limit"], day["used"], day["remaining"]) == ("day", 2000, 0, 2000)
    assert (month["period"], month["limit"], month["remaining"]) == ("month", None, None)
    assert day["resets_at"].endswith(("T00:00:00Z", "T00:00:00+00:00"))


def test_models_allowed_filters_a_listing_for_a_scoped_key(user):
    scoped = api_key_create(user=user, name="s", allowed_models=["llama3.2:3b"]).api_key
    names = ["qwen2.5:7b", "llama3.2:3b"]

    assert models_allowed(scoped, names) == ["llama3.2:3b"]
    assert models_allowed(api_key_create(user=user, name="all").api_key, names) == names
    assert models_allowed(None, names) == names


def test_creating_and_revoking_through_the_api_is_audited(user_client, user):
    key_id = user_client.post(URL, {"name": "ci", "token_budget_day": 5}, format="json").json()[
        "id"
    ]
    user_client.delete(f"{URL}/{key_id}")

    events = list(AuditEvent.objects.filter(target_id=key_id).order_by("created_at"))
    assert [e.action for e in events] == ["api_key.create", "api_key.revoke"]
    assert all(e.actor == user and e.via == "api" for e in events)
    assert events[0].changes["token_budget_day"] == 5
    assert events[1].changes == {"is_active": [True, False]}


def test_a_limit_beyond_the_columns_range_is_a_400_not_a_500(user_client):
    response = user_client.post(URL, {"name": "big", "requests_per_minute": 2**31}, format="json")

    assert response.status_code == 400
    assert "requests_per_minute" in response.json()["error"]["details"]
