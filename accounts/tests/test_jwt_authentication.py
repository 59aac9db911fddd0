"""Bearer access tokens, and the ways a forged or misused token is refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIRequestFactory
from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import GatewayJWTAuthentication
from accounts.messages import INVALID_ACCESS_TOKEN, USER_INACTIVE
from accounts.tests.helpers import bearer_client_for
from core.request_context import current_user_id

ME = "/api/user/me"


def _claims(user, **overrides):
    now = datetime.now(UTC)
    claims = {
        "type": "access",
        "sub": str(user.pk),
        "jti": "f" * 32,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    return {**claims, **overrides}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _assert_refused(response, code="invalid_token"):
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    error = response.json()["error"]
    assert error["code"] == code
    return error


def test_it_accepts_an_access_token(user_client, user):
    response = user_client.get(ME)

    assert response.status_code == 200
    assert response.json()["id"] == str(user.pk)


def test_it_refuses_a_token_signed_with_another_key(user):
    forged = jwt.encode(_claims(user), "another-key-" + "x" * 32, algorithm="HS256")

    error = _assert_refused(bearer_client_for(forged).get(ME))
    assert error["message"] == INVALID_ACCESS_TOKEN


def test_it_refuses_an_unsigned_token(user):
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(user))}."

    _assert_refused(bearer_client_for(unsigned).get(ME))


@pytest.mark.filterwarnings("ignore:The HMAC key")
def test_it_refuses_another_algorithm_even_with_the_right_key(user):
    token = jwt.encode(_claims(user), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512")

    _assert_refused(bearer_client_for(token).get(ME))


def test_it_refuses_an_expired_token(user):
    token = AccessToken.for_user(user)
    token.set_exp(from_time=datetime.now(UTC) - timedelta(hours=2))

    _assert_refused(bearer_client_for(str(token)).get(ME))


def test_it_refuses_a_refresh_token_as_bearer(user_tokens):
    _assert_refused(bearer_client_for(user_tokens.refresh_token).get(ME))


def test_it_refuses_a_token_without_a_type(user):
    claims = _claims(user)
    del claims["type"]
    token = jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")

    _assert_refused(bearer_client_for(token).get(ME))


@pytest.mark.parametrize("subject", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_it_refuses_a_token_for_no_such_user(user, subject):
    key = settings.SIMPLE_JWT["SIGNING_KEY"]
    token = jwt.encode(_claims(user, sub=subject), key, algorithm="HS256")

    _assert_refused(bearer_client_for(token).get(ME))


def test_it_refuses_an_inactive_user(user_client, user):
    user.is_active = False
    user.save()

    error = _assert_refused(user_client.get(ME), code="user_inactive")
    assert error["message"] == USER_INACTIVE


def test_it_refuses_a_malformed_authorization_header(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer two parts")

    assert api_client.get(ME).status_code == 401


def test_it_answers_401_with_a_challenge_when_credentials_are_missing(api_client, db):
    error = _assert_refused(api_client.get(ME), code="not_authenticated")
    assert error["message"]


def test_it_binds_the_user_and_needs_one_query(user, django_assert_num_queries):
    token = AccessToken.for_user(user)
    request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    with django_assert_num_queries(1):
        authenticated_user, validated = GatewayJWTAuthentication().authenticate(request)

    assert authenticated_user == user
    assert validated["jti"] == token["jti"]
    assert current_user_id() == str(user.pk)
