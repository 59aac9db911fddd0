from __future__ import annotations

import pytest

from accounts.messages import INVALID_CREDENTIALS
from accounts.tests.helpers import PASSWORD, bearer_client_for

URL = "/api/auth/login"


def _assert_token_pair(response):
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 60 * 60
    return body


def test_it_signs_in_with_json(api_client, user):
    response = api_client.post(URL, {"username": "bob", "password": PASSWORD}, format="json")

    body = _assert_token_pair(response)
    me = bearer_client_for(body["access_token"]).get("/api/user/me")
    assert me.status_code == 200
    assert me.json()["username"] == "bob"


def test_it_signs_in_with_the_oauth2_password_form(api_client, user):
    # What Swagger UI's "Authorize" posts for an OAuth2 password flow.
    response = api_client.post(
        URL,
        "grant_type=password&username=bob&password=Sup3r-secret%21&scope=&client_id=swagger",
        content_type="application/x-www-form-urlencoded",
    )

    _assert_token_pair(response)


def test_it_refuses_another_oauth2_grant_type(api_client, user):
    response = api_client.post(
        URL,
        {"grant_type": "client_credentials", "username": "bob", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_it_ignores_a_stale_authorization_header(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")

    response = api_client.post(URL, {"username": "bob", "password": PASSWORD}, format="json")

    _assert_token_pair(response)


@pytest.mark.parametrize(
    ("username", "password"), [("bob", "Wr0ng-password!"), ("nobody", PASSWORD)]
)
def test_it_refuses_wrong_credentials_with_one_message(api_client, user, username, password):
    response = api_client.post(URL, {"username": username, "password": password}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    error = response.json()["error"]
    assert error["code"] == "invalid_credentials"
    assert error["message"] == INVALID_CREDENTIALS


def test_it_refuses_an_inactive_user(api_client, user):
    user.is_active = False
    user.save()

    response = api_client.post(URL, {"username": "bob", "password": PASSWORD}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


@pytest.mark.django_db
def test_it_requires_both_fields(api_client):
    response = api_client.post(URL, {"username": "bob"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["error"]["details"]


@pytest.mark.django_db
def test_it_rejects_other_media_types(api_client):
    response = api_client.post(URL, {"username": "bob", "password": "x"}, format="multipart")

    assert response.status_code == 415
    assert "error" in response.json()


@pytest.mark.django_db
def test_it_signs_in_with_the_username_as_typed_at_registration(api_client):
    typed = "\uff42\uff4f\uff42\uff12"  # full-width "bob2", stored NFKC-normalised
    registered = api_client.post(
        "/api/auth/register",
        {"username": typed, "email": "bob2@example.com", "password": PASSWORD},
        format="json",
    )
    assert registered.json()["username"] == "bob2"

    response = api_client.post(URL, {"username": typed, "password": PASSWORD}, format="json")

    _assert_token_pair(response)
