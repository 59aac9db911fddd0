from __future__ import annotations

import pytest

from accounts import services
from accounts.messages import EMAIL_TAKEN, USERNAME_TAKEN
from accounts.models import User
from accounts.tests.helpers import PASSWORD

URL = "/api/auth/register"


def _body(**overrides):
    return {"username": "carol", "email": "carol@example.com", "password": PASSWORD, **overrides}


@pytest.mark.django_db
def test_it_registers_a_user(api_client):
    response = api_client.post(URL, _body(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email", "role", "created_at"}
    assert body["username"] == "carol"
    assert body["role"] == "user"
    user = User.objects.get(pk=body["id"])
    assert user.password.startswith("bcrypt_sha256$")
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_it_ignores_a_role_in_the_request(api_client):
    response = api_client.post(URL, _body(role="admin"), format="json")

    assert response.status_code == 201
    assert response.json()["role"] == "user"
    assert not User.objects.get(username="carol").is_staff


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["Sh0rt!", "no-digits-here!", "12345678!", "NoSpecial123", ""])
def test_it_rejects_a_password_that_breaks_the_policy(api_client, password):
    response = api_client.post(URL, _body(password=password), format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "password" in error["details"]
    assert not User.objects.filter(username="carol").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"username": "carol", "password": PASSWORD},
        {"username": "carol", "email": "not-an-email", "password": PASSWORD},
        {"username": "bad name!", "email": "carol@example.com", "password": PASSWORD},
    ],
)
def test_it_rejects_invalid_input(api_client, body):
    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_it_rejects_a_taken_username_whatever_its_case(api_client, user):
    response = api_client.post(URL, _body(username="BOB"), format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["message"] == USERNAME_TAKEN


def test_it_rejects_a_username_that_only_looks_different(api_client, user):
    full_width_bob = "\uff42\uff4f\uff42"  # NFKC-normalises to "bob"

    response = api_client.post(URL, _body(username=full_width_bob), format="json")

    assert response.status_code == 409
    assert response.json()["error"]["message"] == USERNAME_TAKEN


@pytest.mark.django_db
def test_it_stores_the_username_nfkc_normalised(api_client):
    response = api_client.post(URL, _body(username="\uff43\uff41\uff52\uff4f\uff4c"), format="json")

    assert response.status_code == 201
    assert response.json()["username"] == "carol"
    assert User.objects.filter(username="carol").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username",
    [
        "\ufdfa" * 10,  # 10 characters that NFKC expands to 180: over the 150 limit
        "\ufdfa",  # NFKC gives words with spaces, which a username may not contain
    ],
)
def test_it_validates_the_username_after_normalising_it(api_client, username):
    response = api_client.post(URL, _body(username=username), format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "username" in error["details"]
    assert not User.objects.filter(email="carol@example.com").exists()


def test_it_rejects_a_taken_email_whatever_its_case(api_client, user):
    response = api_client.post(URL, _body(email="BOB@Example.COM"), format="json")

    assert response.status_code == 409
    assert response.json()["error"]["message"] == EMAIL_TAKEN


def test_it_turns_a_lost_registration_race_into_a_conflict(api_client, user, monkeypatch):
    # The pre-check passes as if the other registration had not committed yet; the
    # database constraint then decides, and the clash is still reported as a 409.
    real_check = services._raise_clash
    calls = []

    def check_after_first(**kwargs):
        calls.append(kwargs)
        if len(calls) > 1:
            real_check(**kwargs)

    monkeypatch.setattr(services, "_raise_clash", check_after_first)

    response = api_client.post(URL, _body(email="Bob@example.com"), format="json")

    assert response.status_code == 409
    assert response.json()["error"]["message"] == EMAIL_TAKEN
    assert len(calls) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username",
    ["\u0430lice", "b\u043eb", "\u03a9mega", "p\u0430ypal_01", "\ua4eelice"],
    ids=["cyrillic-a", "cyrillic-o", "greek-omega", "cyrillic-in-latin", "lisu-a"],
)
def test_it_refuses_a_username_that_mixes_scripts(api_client, username):
    response = api_client.post(URL, _body(username=username), format="json")

    assert response.status_code == 400
    assert "username" in response.json()["error"]["details"]
    assert not User.objects.filter(username=username).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username",
    ["josé", "Алиса", "αλίκη", "김철수", "田中たろう", "山田タロウ", "bob_01.x@y"],
)
def test_it_accepts_a_username_in_one_writing_system(api_client, username):
    response = api_client.post(
        URL, _body(username=username, email=f"u{len(username)}@example.com"), format="json"
    )

    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_the_admin_add_form_refuses_a_username_that_mixes_scripts():
    from accounts.forms import GatewayUserCreationForm

    form = GatewayUserCreationForm(
        data={
            "username": "\u0430lice",
            "email": "alice@example.com",
            "role": "user",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
    )

    assert not form.is_valid()
    assert "username" in form.errors
