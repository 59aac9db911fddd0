"""The Django admin for users; createsuperuser makes an admin."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import api_key_create
from accounts.tests.helpers import PASSWORD, admin_action

USERS = reverse("admin:accounts_user_changelist")


def test_it_lists_users_for_an_admin(site, user, outsider):
    response = site.get(USERS)

    assert response.status_code == 200
    for column in ("bob", "mallory", "Quota per minute", "Role"):
        assert column in response.content.decode()


def test_it_searches_and_filters_users(site, user, outsider):
    searched = site.get(USERS, {"q": "mallory@"})
    filtered = site.get(USERS, {"role__exact": "admin"})

    assert list(searched.context["cl"].result_list) == [outsider]
    assert {u.username for u in filtered.context["cl"].result_list} == {"alice_admin"}


def test_it_sends_a_non_admin_to_the_login_page(client, user):
    client.force_login(user)

    response = client.get(USERS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_deactivates_selected_users_but_not_the_acting_admin(site, admin_user, user):
    response = admin_action(site, USERS, "deactivate_users", user, admin_user)

    assert response.status_code == 200
    user.refresh_from_db()
    admin_user.refresh_from_db()
    assert not user.is_active
    assert admin_user.is_active
    assert "You cannot deactivate yourself." in response.content.decode()


def test_it_makes_selected_users_admins(site, user):
    admin_action(site, USERS, "make_admins", user)

    user.refresh_from_db()
    assert user.role == Role.ADMIN
    assert user.is_staff


def test_it_adds_a_user_with_a_role(site):
    response = site.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "carol",
            "email": "carol@example.com",
            "role": "admin",
            "quota_per_minute": "7",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert (carol.role, carol.is_staff, carol.quota_per_minute) == (Role.ADMIN, True, 7)
    assert carol.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("field", "value", "password"),
    [("email", "BOB@example.com", PASSWORD), ("username", "Bob", PASSWORD), (None, None, "weak")],
)
def test_it_refuses_a_clash_or_a_weak_password_when_adding(site, user, field, value, password):
    data = {
        "username": "carol",
        "email": "carol@example.com",
        "role": "user",
        "usable_password": "true",
        "password1": password,
        "password2": password,
    }
    if field:
        data[field] = value

    response = site.post(reverse("admin:accounts_user_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not User.objects.filter(username="carol").exists()


@pytest.mark.django_db
def test_it_makes_createsuperuser_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    call_command("createsuperuser", interactive=False, username="root", email="root@example.com")

    root = User.objects.get(username="root")
    assert (root.role, root.is_staff, root.is_superuser) == (Role.ADMIN, True, True)


def test_it_keeps_staff_status_in_step_with_the_role(user):
    user.role = Role.ADMIN
    user.save(update_fields=["role"])
    user.refresh_from_db()

    assert user.is_staff
    assert api_key_create(user=user, name="x").api_key.user.is_admin
