"""POST/GET /api/user/api-keys and DELETE /api/user/api-keys/{id} (JWT only)."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from accounts.messages import API_KEYS_NEED_JWT
from accounts.models import ApiKey
from accounts.tests.helpers import key_client_for

URL = "/api/user/api-keys"
KEY_FIELDS = {
    "id",
    "name",
    "prefix",
    "is_active",
    "last_used_at",
    "created_at",
    # the scopes of issue 16
    *ApiKey.SCOPE_FIELDS,
}


def _create(client, name="ci"):
    return client.post(URL, {"name": name}, format="json")


def test_it_creates_a_key_and_shows_it_once(user_client, user):
    response = _create(user_client)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"key", *KEY_FIELDS}
    key = body["key"]
    assert key.startswith("sk-")
    assert len(key) - 3 >= 32
    assert body["prefix"] == key[:10]
    assert body["is_active"] is True
    stored = ApiKey.objects.get(pk=body["id"])
    assert stored.user == user
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {value for value in vars(stored).values() if isinstance(value, str)}


def test_it_creates_keys_that_work(user_client, user):
    key = _create(user_client).json()["key"]

    response = key_client_for(key).get("/api/user/me")

    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_it_creates_a_different_key_every_time(user_client):
    assert _create(user_client).json()["key"] != _create(user_client).json()["key"]


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 101}])
def test_it_rejects_an_invalid_name(user_client, body):
    response = user_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_it_lists_only_the_callers_keys_without_the_key(user_client, user_key, outsider_key):
    user_key_client_used = key_client_for(user_key.raw_key)
    user_key_client_used.get("/api/user/me")

    response = user_client.get(URL)

    assert response.status_code == 200
    [listed] = response.json()
    assert set(listed) == KEY_FIELDS
    assert listed["id"] == str(user_key.api_key.pk)
    assert listed["last_used_at"] is not None


def test_it_revokes_a_key_at_once(user_client, user_key, user_key_client):
    assert user_key_client.get("/api/user/me").status_code == 200

    response = user_client.delete(f"{URL}/{user_key.api_key.pk}")

    assert response.status_code == 204
    assert user_key_client.get("/api/user/me").status_code == 401
    assert user_client.get(URL).json()[0]["is_active"] is False


def test_it_revokes_idempotently(user_client, user_key):
    user_client.delete(f"{URL}/{user_key.api_key.pk}")

    assert user_client.delete(f"{URL}/{user_key.api_key.pk}").status_code == 204


def test_it_hides_someone_elses_key(outsider_client, user_key, user_key_client):
    response = outsider_client.delete(f"{URL}/{user_key.api_key.pk}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert user_key_client.get("/api/user/me").status_code == 200


def test_it_answers_404_for_an_unknown_key(user_client):
    response = user_client.delete(f"{URL}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_404_for_an_id_that_is_not_a_uuid(user_client):
    assert user_client.delete(f"{URL}/123").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", URL), ("post", URL), ("delete", f"{URL}/{uuid.UUID(int=1)}")],
)
def test_it_refuses_to_let_an_api_key_manage_keys(user_key_client, method, path):
    response = getattr(user_key_client, method)(path, {"name": "x"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": API_KEYS_NEED_JWT,
        "details": None,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_needs_authentication(api_client, method):
    response = getattr(api_client, method)(URL, {"name": "x"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
