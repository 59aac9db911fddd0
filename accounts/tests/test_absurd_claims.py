"""Validly signed tokens with absurd claims are a 401 (or a refused refresh), never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from django.conf import settings

ME = "/api/user/me"
REFRESH = "/api/auth/refresh"
LOGOUT = "/api/auth/logout"
# Far past what datetime can hold (year 9999), or what a C time_t holds, or not a number.
ABSURD = [10**20, 2**63, -(10**20), 1e308, "tomorrow", [1], {"a": 1}, True]


def _signed(user, token_type: str, **overrides) -> str:
    now = datetime.now(UTC)
    claims = {
        "type": token_type,
        "sub": str(user.pk),
        "jti": "a" * 32,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        **overrides,
    }
    return jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=settings.JWT_ALGORITHM)


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", ABSURD, ids=repr)
def test_an_access_token_with_an_absurd_time_claim_is_a_401(api_client, user, claim, value):
    token = _signed(user, "access", **{claim: value})

    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("claim", ["exp", "iat"])
@pytest.mark.parametrize("value", ABSURD[:4], ids=repr)
def test_a_refresh_token_with_an_absurd_time_claim_is_refused(api_client, user, claim, value):
    token = _signed(user, "refresh", **{claim: value})

    response = api_client.post(REFRESH, {"refresh_token": token}, format="json")

    assert response.status_code == 401, response.content


@pytest.mark.parametrize("claim", ["exp", "iat"])
@pytest.mark.parametrize("value", ABSURD[:4], ids=repr)
def test_logging_out_with_an_absurd_refresh_token_is_refused(user_client, user, claim, value):
    token = _signed(user, "refresh", **{claim: value})

    response = user_client.post(LOGOUT, {"refresh_token": token}, format="json")

    assert response.status_code in (400, 401), response.content
    assert response.json()["error"]["code"] != "internal_error"


@pytest.mark.parametrize("sub", [10**30, ["x"], {"id": 1}, None, ""], ids=repr)
def test_an_access_token_with_an_absurd_subject_is_a_401(api_client, user, sub):
    token = _signed(user, "access", sub=sub)

    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401, response.content
