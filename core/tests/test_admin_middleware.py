"""Session, CSRF, auth and messages run for the admin only; the API pays none of their hops."""

import pytest

from conftest import PASSWORD


@pytest.mark.django_db
def test_api_responses_carry_x_frame_options_and_set_no_cookies(user_client):
    response = user_client.get("/api/user/me")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert not response.cookies


@pytest.mark.django_db
def test_the_admin_login_is_csrf_protected(client, admin_user):
    client.handler.enforce_csrf_checks = True

    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD}
    )

    assert response.status_code == 403


@pytest.mark.django_db
def test_the_admin_works_with_its_session(client, admin_user):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD}
    )
    index = client.get("/admin/")

    assert response.status_code == 302
    assert index.status_code == 200
    assert index["X-Frame-Options"] == "DENY"
    assert "sessionid" in client.cookies


@pytest.mark.django_db
def test_swagger_ui_cannot_be_framed(api_client):
    assert api_client.get("/docs")["X-Frame-Options"] == "DENY"
