"""Refresh with rotation and sign-out (POST /api/auth/refresh, /api/auth/logout)."""

from __future__ import annotations

from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.messages import API_KEYS_NEED_JWT, INVALID_REFRESH_TOKEN
from accounts.tests.helpers import bearer_client_for
from accounts.tokens import token_pair_issue

REFRESH = "/api/auth/refresh"
LOGOUT = "/api/auth/logout"


def _refresh(client, token):
    return client.post(REFRESH, {"refresh_token": token}, format="json")


def test_it_rotates_the_refresh_token(api_client, user_tokens):
    response = _refresh(api_client, user_tokens.refresh_token)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] != user_tokens.refresh_token
    assert bearer_client_for(body["access_token"]).get("/api/user/me").status_code == 200
    assert _refresh(api_client, body["refresh_token"]).status_code == 200


def test_it_refuses_a_refresh_token_used_twice(api_client, user_tokens):
    assert _refresh(api_client, user_tokens.refresh_token).status_code == 200

    response = _refresh(api_client, user_tokens.refresh_token)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"] == {
        "code": "invalid_token",
        "message": INVALID_REFRESH_TOKEN,
        "details": None,
    }


def test_it_refuses_an_access_token_as_refresh_token(api_client, user_tokens):
    assert _refresh(api_client, user_tokens.access_token).status_code == 401


def test_it_refuses_a_refresh_for_an_inactive_user(api_client, user, user_tokens):
    user.is_active = False
    user.save()

    assert _refresh(api_client, user_tokens.refresh_token).status_code == 401


def test_it_refuses_a_refresh_for_a_deleted_user(api_client, user, user_tokens):
    user.delete()

    assert _refresh(api_client, user_tokens.refresh_token).status_code == 401


def test_it_refuses_garbage(api_client, db):
    assert _refresh(api_client, "not.a.jwt").status_code == 401


def test_it_requires_the_refresh_token_field(api_client, db):
    response = api_client.post(REFRESH, {"refresh": "x"}, format="json")

    assert response.status_code == 400
    assert "refresh_token" in response.json()["error"]["details"]


def test_it_signs_out_by_blacklisting_the_refresh_token(user_client, api_client, user_tokens):
    response = user_client.post(LOGOUT, {"refresh_token": user_tokens.refresh_token}, format="json")

    assert response.status_code == 204
    assert BlacklistedToken.objects.count() == 1
    assert _refresh(api_client, user_tokens.refresh_token).status_code == 401


def test_it_refuses_to_sign_out_someone_elses_token(outsider_client, api_client, user_tokens):
    response = outsider_client.post(
        LOGOUT, {"refresh_token": user_tokens.refresh_token}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_refresh_token"
    assert not BlacklistedToken.objects.exists()
    assert _refresh(api_client, user_tokens.refresh_token).status_code == 200


def test_it_refuses_to_sign_out_twice(user_client, user_tokens):
    assert (
        user_client.post(
            LOGOUT, {"refresh_token": user_tokens.refresh_token}, format="json"
        ).status_code
        == 204
    )

    response = user_client.post(LOGOUT, {"refresh_token": user_tokens.refresh_token}, format="json")

    assert response.status_code == 400


def test_it_refuses_an_access_token_given_to_sign_out(user_client, user_tokens):
    response = user_client.post(LOGOUT, {"refresh_token": user_tokens.access_token}, format="json")

    assert response.status_code == 400


def test_it_needs_a_jwt_to_sign_out(api_client, user_key_client, user_tokens):
    anonymous = api_client.post(LOGOUT, {"refresh_token": user_tokens.refresh_token}, format="json")
    with_key = user_key_client.post(
        LOGOUT, {"refresh_token": user_tokens.refresh_token}, format="json"
    )

    assert anonymous.status_code == 401
    assert with_key.status_code == 403
    assert with_key.json()["error"]["code"] == "permission_denied"
    assert with_key.json()["error"]["message"] == API_KEYS_NEED_JWT


def test_it_leaves_other_sessions_signed_in(user_client, api_client, user, user_tokens):
    other_session = token_pair_issue(user=user)

    user_client.post(LOGOUT, {"refresh_token": user_tokens.refresh_token}, format="json")

    assert _refresh(api_client, other_session.refresh_token).status_code == 200
