"""Helpers shared by the accounts tests."""

from __future__ import annotations

from rest_framework.test import APIClient

PASSWORD = "Sup3r-secret!"  # the personas' password (root conftest.py)


def key_client_for(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)
    return client


def bearer_client_for(access_token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return client


def admin_action(site, changelist_url: str, action: str, *objects):
    """Run a Django admin changelist action on the given objects."""
    selected = [str(obj.pk) for obj in objects]
    return site.post(changelist_url, {"action": action, "_selected_action": selected}, follow=True)
