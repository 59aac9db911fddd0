"""Governance on /v1 and /ollama (issue 16): key scopes, listings, budgets, expiry, and the
people behind a trusted front end, over the wire against the module's live gateway."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.budget import budget_estimate
from accounts.models import ApiKey, User
from accounts.services import api_key_create
from metrics.models import UsageRecord

SMALL, LARGE = "llama3.2:3b", "qwen2.5:7b"
MESSAGES = [{"role": "user", "content": "hello there"}]


def _bearer(raw_key: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw_key}", **extra}


def _v1(gateway, raw_key: str, model: str, **extra) -> httpx.Response:
    body = {"model": model, "messages": MESSAGES, **extra}
    return httpx.post(
        f"{gateway.url}/v1/chat/completions", json=body, headers=_bearer(raw_key), timeout=30
    )


def _ollama(gateway, raw_key: str, model: str, path: str = "/api/chat") -> httpx.Response:
    body = {"model": model, "stream": False}
    body.update({"messages": MESSAGES} if path == "/api/chat" else {"prompt": "hello"})
    return httpx.post(
        f"{gateway.url}/ollama{path}", json=body, headers=_bearer(raw_key), timeout=30
    )


@pytest.fixture
def scoped(bob):
    """A key of bob's limited to the small model."""
    return api_key_create(user=bob.user, name="small-only", allowed_models=[SMALL]).raw_key


def test_a_key_limited_to_one_model_is_refused_another_on_every_protocol(gateway, ollama, scoped):
    refused = [
        _v1(gateway, scoped, LARGE),
        _v1(gateway, scoped, "auto"),
        _ollama(gateway, scoped, LARGE),
        _ollama(gateway, scoped, LARGE, "/api/generate"),
    ]

    assert [r.status_code for r in refused] == [403] * 4
    assert refused[0].json()["error"]["code"] == "model_not_allowed"
    assert LARGE in refused[0].json()["error"]["message"]
    assert "auto" in refused[1].json()["error"]["message"]
    assert LARGE in refused[2].json()["error"]  # Ollama's own error shape: a string
    assert refused[2].json()["code"] == "model_not_allowed"
    assert _v1(gateway, scoped, SMALL).status_code == 200
    assert _ollama(gateway, scoped, SMALL).status_code == 200
    assert {row.model for row in UsageRecord.objects.all()} == {SMALL}


def test_a_scoped_keys_listings_show_only_its_models(gateway, ollama, scoped, bob):
    v1 = httpx.get(f"{gateway.url}/v1/models", headers=_bearer(scoped), timeout=10).json()
    tags = httpx.get(f"{gateway.url}/ollama/api/tags", headers=_bearer(scoped), timeout=10)
    everything = httpx.get(f"{gateway.url}/v1/models", headers=_bearer(bob.key), timeout=10)

    assert [m["id"] for m in v1["data"]] == [SMALL]
    assert [m["model"] for m in tags.json()["models"]] == [SMALL]
    assert {"auto", SMALL, LARGE} <= {m["id"] for m in everything.json()["data"]}


def test_a_spent_budget_is_429_on_v1_and_ollama(gateway, ollama, bob):
    bob.user.token_budget_day = 10
    bob.user.save()

    refused = [_v1(gateway, bob.key, SMALL), _ollama(gateway, bob.key, SMALL)]

    assert [r.status_code for r in refused] == [429, 429]
    assert refused[0].json()["error"]["code"] == "budget_exceeded"
    assert refused[1].json()["code"] == "budget_exceeded"
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)


def test_the_reservation_is_sized_by_the_requests_own_max_tokens(gateway, ollama, bob):
    bob.user.token_budget_day = 10_000
    bob.user.save()

    response = _v1(gateway, bob.key, SMALL, max_tokens=10)

    estimate = budget_estimate(prompt_chars=len("hello there"), max_tokens=10)
    assert response.status_code == 200
    assert response.headers["X-Budget-Remaining-Day"] == str(10_000 - estimate)


def test_an_expired_bearer_key_is_401(gateway, ollama, bob):
    ApiKey.objects.filter(user=bob.user).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = _v1(gateway, bob.key, SMALL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "api_key_expired"


def test_open_webui_people_are_attributed_only_through_a_trusted_key(gateway, ollama, bob):
    webui = api_key_create(user=bob.user, name="open-webui")
    ApiKey.objects.filter(pk=webui.api_key.pk).update(is_trusted_frontend=True)
    person = {"X-OpenWebUI-User-Email": "erin@example.org", "X-OpenWebUI-User-Name": "Erin"}
    body = {"model": SMALL, "messages": MESSAGES}

    for raw_key in (webui.raw_key, bob.key):
        response = httpx.post(
            f"{gateway.url}/v1/chat/completions",
            json=body,
            headers=_bearer(raw_key, **person),
            timeout=30,
        )
        assert response.status_code == 200

    erin = User.objects.get(email="erin@example.org")
    assert not erin.has_usable_password()
    [row] = UsageRecord.objects.filter(user=erin)
    assert (row.api_key_id, row.api) == (webui.api_key.pk, "openai")
    assert UsageRecord.objects.filter(user=bob.user).count() == 1
    out = io.StringIO()
    call_command("usage_report", "--format", "json", stdout=out)
    people = json.loads(out.getvalue())["by_person"]
    assert [(p["email"], p["frontend_key"]) for p in people] == [("erin@example.org", "open-webui")]
