"""RBAC permissions: the admin role, and "signed in with a JWT" (not an API key)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from accounts.authentication import GatewayJWTAuthentication
from accounts.messages import API_KEYS_NEED_JWT
from accounts.models import Role


def _authenticated(request) -> bool:
    user = request.user
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_gateway_admin(user) -> bool:
    """An active user with role=admin: /api/admin/* and the Django admin (SPEC section 5).

    Takes any request.user, AnonymousUser and None included.
    """
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "role", None) == Role.ADMIN
    )


class IsAdminRole(BasePermission):
    """role == admin and active; grants /api/admin/* (SPEC section 5)."""

    message = "This endpoint is for administrators."

    def has_permission(self, request, view) -> bool:
        return is_gateway_admin(request.user)


class IsJwtAuthenticated(BasePermission):
    """Authenticated with a Bearer access token; an API key is refused with a 403."""

    message = API_KEYS_NEED_JWT

    def has_permission(self, request, view) -> bool:
        return _authenticated(request) and isinstance(
            request.successful_authenticator, GatewayJWTAuthentication
        )
