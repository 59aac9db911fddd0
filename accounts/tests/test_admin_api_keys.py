"""The Django admin for API keys: list, search, revoke, create (the key shown once)."""

from __future__ import annotations

import re

from django.urls import reverse

from accounts.models import ApiKey
from accounts.tests.helpers import admin_action, key_client_for

KEYS = reverse("admin:accounts_apikey_changelist")


def test_it_lists_api_keys(site, user_key, outsider_key):
    response = site.get(KEYS, {"q": "bob"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [user_key.api_key]
    assert user_key.api_key.prefix in response.content.decode()


def test_it_creates_a_key_through_the_service_and_shows_it_once(site, user):
    response = site.post(
        reverse("admin:accounts_apikey_add"),
        {"user": str(user.pk), "name": "ops"},
        follow=True,
    )

    assert response.status_code == 200
    api_key = ApiKey.objects.get(name="ops")
    [shown] = [str(m) for m in response.context["messages"] if "not be shown again" in str(m)]
    raw_key = re.search(r"sk-[A-Za-z0-9_-]{32,}", shown).group()
    assert raw_key.startswith(api_key.prefix)
    assert key_client_for(raw_key).get("/api/user/me").json()["username"] == "bob"
    assert raw_key not in site.get(KEYS).content.decode()
    assert (
        raw_key
        not in site.get(reverse("admin:accounts_apikey_change", args=[api_key.pk])).content.decode()
    )


def test_it_shows_the_digest_read_only(site, user_key):
    response = site.get(reverse("admin:accounts_apikey_change", args=[user_key.api_key.pk]))

    assert response.status_code == 200
    form_fields = response.context["adminform"].form.fields
    assert "key_hash" not in form_fields
    assert "prefix" not in form_fields
    assert user_key.api_key.key_hash in response.content.decode()


def test_it_revokes_selected_keys(site, user_key, outsider_key):
    admin_action(site, KEYS, "revoke_keys", user_key.api_key)

    assert key_client_for(user_key.raw_key).get("/api/user/me").status_code == 401
    assert key_client_for(outsider_key.raw_key).get("/api/user/me").status_code == 200
