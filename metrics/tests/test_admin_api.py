"""GET /api/admin/usage: totals and breakdowns from the ledger, lifetime counters from Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from core.redis_client import sync_redis
from metrics.selectors import usage_summary
from metrics.tests.usage_data import COMPLEX, SIMPLE, record, seed_usage

URL = "/api/admin/usage"


@pytest.fixture
def seeded(user, admin_user):
    seed_usage(user, admin_user)


def test_it_totals_the_window(admin_client, seeded):
    body = admin_client.get(URL).json()

    assert body["days"] == 7
    assert body["until"] == timezone.localdate().isoformat()
    assert body["since"] == (timezone.localdate() - timedelta(days=6)).isoformat()
    assert body["totals"] == {
        "requests": 6,
        "prompt_tokens": 360,
        "completion_tokens": 185,
        "total_tokens": 545,
        "compute_seconds": 5.25,
        "cached_requests": 1,
        "by_outcome": {"ok": 4, "blocked": 1, "fallback": 1, "error": 0},
    }


def test_it_breaks_usage_down_by_user_busiest_first(admin_client, seeded, user, admin_user):
    rows = admin_client.get(URL).json()["by_user"]

    assert [(r["username"], r["requests"], r["total_tokens"]) for r in rows] == [
        ("bob", 4, 495),
        ("alice_admin", 2, 50),
    ]
    assert rows[0]["user_id"] == str(user.id)
    assert rows[0]["prompt_tokens"] == 330


def test_it_reads_lifetime_counters_from_redis(admin_client, seeded, user, admin_user):
    client = sync_redis()
    client.set(f"log:{user.id}:total_tokens", 12345)
    client.set(f"log:{user.id}:request_count", 67)

    rows = {r["username"]: r for r in admin_client.get(URL).json()["by_user"]}

    assert rows["bob"]["lifetime"] == {"total_tokens": 12345, "request_count": 67}
    assert rows["alice_admin"]["lifetime"] == {"total_tokens": 0, "request_count": 0}


def test_it_leaves_lifetime_null_when_redis_is_down(admin_client, seeded, monkeypatch):
    class DownRedis:
        def mget(self, keys):
            raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr("metrics.selectors.sync_redis", DownRedis)

    response = admin_client.get(URL)

    assert response.status_code == 200
    assert [r["lifetime"] for r in response.json()["by_user"]] == [None, None]


def test_it_breaks_usage_down_by_model_and_intent(admin_client, seeded):
    body = admin_client.get(URL).json()

    by_model = {r["model"]: (r["requests"], r["total_tokens"]) for r in body["by_model"]}
    assert by_model == {COMPLEX: (3, 500), SIMPLE: (2, 45), "": (1, 0)}
    by_intent = {r["intent"]: (r["requests"], r["total_tokens"]) for r in body["by_intent"]}
    assert by_intent == {
        "analysis": (1, 300),
        "search": (1, 150),
        "creative": (1, 50),
        "general": (2, 45),
        "": (1, 0),
    }


def test_it_lists_every_day_of_the_window_split_by_model(admin_client, seeded):
    by_day = admin_client.get(URL, {"days": 3}).json()["by_day"]

    today = timezone.localdate()
    assert [day["date"] for day in by_day] == [
        (today - timedelta(days=n)).isoformat() for n in (2, 1, 0)
    ]
    assert by_day[0] == {
        "date": (today - timedelta(days=2)).isoformat(),
        "requests": 1,
        "prompt_tokens": 20,
        "completion_tokens": 10,
        "total_tokens": 30,
        "compute_seconds": 1.0,
        "by_model": {SIMPLE: {"requests": 1, "total_tokens": 30, "compute_seconds": 1.0}},
    }
    assert by_day[1]["by_model"] == {
        COMPLEX: {"requests": 1, "total_tokens": 50, "compute_seconds": 1.5}
    }
    assert by_day[2]["requests"] == 4
    assert by_day[2]["by_model"] == {
        "": {"requests": 1, "total_tokens": 0, "compute_seconds": 0.0},
        SIMPLE: {"requests": 1, "total_tokens": 15, "compute_seconds": 0.5},
        COMPLEX: {"requests": 2, "total_tokens": 450, "compute_seconds": 2.25},
    }


def test_it_widens_the_window_with_days(admin_client, seeded):
    body = admin_client.get(URL, {"days": 30}).json()

    assert body["totals"]["requests"] == 7
    assert len(body["by_day"]) == 30


def test_a_one_day_window_is_today_only(admin_client, seeded):
    body = admin_client.get(URL, {"days": 1}).json()

    assert body["totals"]["requests"] == 4
    assert len(body["by_day"]) == 1


def test_it_is_empty_but_complete_without_usage(admin_client):
    body = admin_client.get(URL).json()

    assert body["totals"]["requests"] == 0
    assert body["totals"]["total_tokens"] == 0
    assert body["by_user"] == body["by_model"] == body["by_intent"] == []
    assert len(body["by_day"]) == 7


@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", "1.5"])
def test_it_rejects_days_out_of_range(admin_client, days):
    response = admin_client.get(URL, {"days": days})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "days" in error["details"]


def test_it_accepts_the_largest_window(admin_client):
    assert admin_client.get(URL, {"days": 365}).status_code == 200


def test_it_refuses_a_user(user_client):
    response = user_client.get(URL)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_it_requires_authentication(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_it_aggregates_in_a_few_queries(seeded, django_assert_num_queries):
    # totals, by user, by key, by person, by model, by intent, by day
    with django_assert_num_queries(7):
        usage_summary(days=7)


def test_it_filters_to_one_user(seeded, admin_user):
    summary = usage_summary(days=7, user_id=admin_user.id)

    assert summary["totals"]["requests"] == 2
    assert [r["username"] for r in summary["by_user"]] == ["alice_admin"]


def test_it_ignores_rows_stamped_after_today(user):
    record(user, days_ago=-1)

    assert usage_summary(days=7)["totals"]["requests"] == 0
