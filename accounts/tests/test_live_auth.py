"""The whole sign-in story over real HTTP against a Daphne process (DEBUG off)."""

from __future__ import annotations

import httpx

from accounts.tests.helpers import PASSWORD


def test_it_registers_signs_in_with_the_swagger_form_and_uses_a_key(live_gateway):
    with httpx.Client(base_url=live_gateway.url, timeout=10) as http:
        registered = http.post(
            "/api/auth/register",
            json={"username": "dave", "email": "dave@example.com", "password": PASSWORD},
        )
        assert registered.status_code == 201

        tokens = http.post(
            "/api/auth/login",
            data={"grant_type": "password", "username": "dave", "password": PASSWORD},
        ).json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert http.get("/api/user/me", headers=bearer).json()["username"] == "dave"

        key = http.post("/api/user/api-keys", json={"name": "cli"}, headers=bearer).json()["key"]
        me = http.get("/api/user/me", headers={"X-API-Key": key})
        assert me.status_code == 200
        assert me.headers["X-Request-ID"]

        rotated = http.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        reused = http.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert (rotated.status_code, reused.status_code) == (200, 401)

        anonymous = http.get("/api/user/me")
        assert anonymous.status_code == 401
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        assert anonymous.json()["error"]["code"] == "not_authenticated"
