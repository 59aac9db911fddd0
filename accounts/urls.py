"""Routes of /api/auth/* and /api/user/* (no trailing slashes, as in SPEC section 6)."""

from django.urls import path

from accounts.apis.auth import LoginApi, LogoutApi, RefreshApi, RegisterApi
from accounts.apis.user import ApiKeyListCreateApi, ApiKeyRevokeApi, MeApi, UsageApi

urlpatterns = [
    path("api/auth/register", RegisterApi.as_view(), name="auth-register"),
    path("api/auth/login", LoginApi.as_view(), name="auth-login"),
    path("api/auth/refresh", RefreshApi.as_view(), name="auth-refresh"),
    path("api/auth/logout", LogoutApi.as_view(), name="auth-logout"),
    path("api/user/me", MeApi.as_view(), name="user-me"),
    path("api/user/usage", UsageApi.as_view(), name="user-usage"),
    path("api/user/api-keys", ApiKeyListCreateApi.as_view(), name="user-api-keys"),
    path(
        "api/user/api-keys/<uuid:api_key_id>",
        ApiKeyRevokeApi.as_view(),
        name="user-api-key-revoke",
    ),
]
