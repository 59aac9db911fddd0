from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory

from accounts.authentication import ApiKeyAuthentication, GatewayJWTAuthentication
from accounts.permissions import IsAdminRole, IsJwtAuthenticated, is_gateway_admin


def _request(user, authenticator=None):
    request = APIRequestFactory().get("/")
    request.user = user
    request.successful_authenticator = authenticator
    return request


def test_it_lets_an_active_admin_through(admin_user):
    assert IsAdminRole().has_permission(_request(admin_user), None)


def test_it_keeps_a_user_out_of_admin_endpoints(user):
    assert not IsAdminRole().has_permission(_request(user), None)


def test_it_keeps_an_inactive_admin_out(admin_user):
    admin_user.is_active = False

    assert not IsAdminRole().has_permission(_request(admin_user), None)


@pytest.mark.django_db
def test_it_keeps_the_anonymous_out():
    assert not IsAdminRole().has_permission(_request(None), None)
    assert not IsJwtAuthenticated().has_permission(_request(None), None)


def test_it_tells_a_jwt_from_an_api_key(user):
    jwt_request = _request(user, GatewayJWTAuthentication())
    key_request = _request(user, ApiKeyAuthentication())

    assert IsJwtAuthenticated().has_permission(jwt_request, None)
    assert not IsJwtAuthenticated().has_permission(key_request, None)


def test_it_grants_admins_every_model_permission(admin_user, user):
    assert admin_user.has_perm("accounts.change_user")
    assert admin_user.has_module_perms("accounts")
    assert not user.has_perm("accounts.change_user")


def test_is_gateway_admin_is_true_for_an_active_admin_only(admin_user, user):
    assert is_gateway_admin(admin_user)
    assert not is_gateway_admin(user)
    assert not is_gateway_admin(AnonymousUser())
    assert not is_gateway_admin(None)

    admin_user.is_active = False
    assert not is_gateway_admin(admin_user)
