"""People behind a trusted front end (Open WebUI): the X-OpenWebUI-User-* headers."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.services import api_key_create
from accounts.tests.helpers import key_client_for

WHOAMI = "/api/user/me"
EMAIL = "HTTP_X_OPENWEBUI_USER_EMAIL"
USER_ID = "HTTP_X_OPENWEBUI_USER_ID"
NAME = "HTTP_X_OPENWEBUI_USER_NAME"


@pytest.fixture
def frontend_key(user):
    created = api_key_create(user=user, name="open-webui")
    created.api_key.is_trusted_frontend = True
    created.api_key.save()
    return created


def test_a_trusted_key_acts_for_the_person_it_names_creating_them(frontend_key):
    client = key_client_for(frontend_key.raw_key)

    me = client.get(WHOAMI, **{EMAIL: "Carol@Example.org", NAME: "Carol%20Cr%C3%A9mieux"}).json()

    person = User.objects.get(email="carol@example.org")
    assert me["id"] == str(person.pk)
    assert person.first_name == "Carol Crémieux"
    assert not person.has_usable_password()
    assert person.role == "user"


def test_the_same_person_is_found_again_and_an_existing_user_is_linked(frontend_key, outsider):
    client = key_client_for(frontend_key.raw_key)

    first = client.get(WHOAMI, **{EMAIL: outsider.email.upper()}).json()
    second = client.get(WHOAMI, **{EMAIL: outsider.email}).json()

    assert first["id"] == second["id"] == str(outsider.pk)
    assert User.objects.filter(email__iexact=outsider.email).count() == 1


def test_a_person_known_only_by_id_is_created_once(frontend_key):
    client = key_client_for(frontend_key.raw_key)

    first = client.get(WHOAMI, **{USER_ID: "owui-42"}).json()
    second = client.get(WHOAMI, **{USER_ID: "owui-42"}).json()

    assert first["id"] == second["id"]
    assert User.objects.get(pk=first["id"]).frontend_id == "owui-42"


def test_without_headers_the_key_owner_is_the_caller(frontend_key, user):
    me = key_client_for(frontend_key.raw_key).get(WHOAMI).json()

    assert me["id"] == str(user.pk)


def test_an_untrusted_keys_headers_are_ignored(user_key, user):
    me = key_client_for(user_key.raw_key).get(WHOAMI, **{EMAIL: "eve@example.org"}).json()

    assert me["id"] == str(user.pk)
    assert not User.objects.filter(email="eve@example.org").exists()


def test_a_deactivated_person_is_refused(frontend_key, outsider):
    outsider.is_active = False
    outsider.save()

    response = key_client_for(frontend_key.raw_key).get(WHOAMI, **{EMAIL: outsider.email})

    assert response.status_code == 401


def test_a_front_end_cannot_act_for_an_admin_unless_its_owner_is_one(frontend_key, admin_user):
    response = key_client_for(frontend_key.raw_key).get(WHOAMI, **{EMAIL: admin_user.email})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "frontend_user_not_allowed"


def test_a_malformed_email_header_is_a_400(frontend_key):
    response = key_client_for(frontend_key.raw_key).get(WHOAMI, **{EMAIL: "not an email"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_frontend_user"


def test_the_header_names_are_settings(frontend_key, settings):
    settings.FRONTEND_USER_EMAIL_HEADER = "X-Portal-User"

    me = key_client_for(frontend_key.raw_key).get(WHOAMI, HTTP_X_PORTAL_USER="dan@example.org")

    assert me.json()["id"] == str(User.objects.get(email="dan@example.org").pk)
