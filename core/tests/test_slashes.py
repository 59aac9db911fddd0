"""Both slash forms of every API path work, and a POST keeps its body (issue 13.6)."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/user/me", "/api/user/me/"])
def test_either_form_of_me_answers(user_client, path):
    response = user_client.get(path)

    assert response.status_code == 200
    assert response.json()["username"] == "bob"


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/", "/api/chat/stream/"])
def test_either_form_of_the_chat_paths_reaches_the_view(api_client, path):
    response = api_client.post(path, {"query": "hi"}, format="json")

    assert response.status_code == 401  # the view ran: not a 404


@pytest.mark.parametrize(
    "path", ["/api/conversations", "/api/user/api-keys/", "/api/auth/refresh/"]
)
def test_other_api_paths_take_either_form(user_client, path):
    method = user_client.post if "refresh" in path else user_client.get
    response = method(path, {"refresh_token": "x"} if "refresh" in path else None, format="json")

    assert response.status_code != 404


def test_a_post_to_the_other_form_keeps_its_body(api_client):
    body = {"username": "carol", "email": "carol@example.com", "password": PASSWORD}

    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 201
    assert User.objects.filter(username="carol").exists()


def test_an_unknown_path_in_either_form_is_still_a_404(api_client):
    assert api_client.get("/api/nothing").status_code == 404
    assert api_client.get("/api/nothing/").status_code == 404
