"""DRF authentication: `Authorization: Bearer <JWT access token>` and `X-API-Key: sk-...`.

Each class does one database query per request (the user, or the key with its user) and
binds the user id to the request context for log lines. A missing credential leaves the
request anonymous; a present but bad one is a 401 with a `WWW-Authenticate` challenge.
`aauthenticate` is the same check with its query on the event loop (core/async_db.py), for
the views that run DRF's `initial` there (core/views.py).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from accounts.keys import api_key_is_well_formed
from accounts.messages import (
    API_KEY_EXPIRED,
    BEARER_CHALLENGE,
    INVALID_ACCESS_TOKEN,
    INVALID_API_KEY,
    MALFORMED_API_KEY,
    USER_INACTIVE,
)
from accounts.models import ApiKey, User
from accounts.selectors import (
    api_key_aget_by_raw_key,
    api_key_get_by_raw_key,
    user_aget_by_id,
    user_get_by_id,
)
from accounts.tokens import token_verify
from core.request_context import bind_user

API_KEY_HEADER = "X-API-Key"


class GatewayJWTAuthentication(JWTAuthentication):
    """Bearer access tokens only: a refresh token (claim `type: refresh`) is refused."""

    def authenticate(self, request: Request) -> tuple[User, AccessToken] | None:
        result = super().authenticate(request)
        if result is not None:
            bind_user(str(result[0].pk))
        return result

    def authenticate_header(self, request: Request) -> str:
        return BEARER_CHALLENGE

    def get_validated_token(self, raw_token: bytes) -> AccessToken:
        # AccessToken checks signature (the configured HS* algorithm only, so `alg: none`
        # and foreign keys fail), expiry and `type: access`, whatever AUTH_TOKEN_CLASSES says.
        try:
            return token_verify(AccessToken, raw_token)
        except TokenError as exc:
            raise AuthenticationFailed(INVALID_ACCESS_TOKEN, code="invalid_token") from exc

    def get_user(self, validated_token: AccessToken) -> User:
        return _token_user(user_get_by_id(validated_token.get(api_settings.USER_ID_CLAIM)))

    async def aauthenticate(self, request: Request) -> tuple[User, AccessToken] | None:
        """`authenticate` with the user's lookup on the event loop (core/views.py)."""
        header = self.get_header(request)
        raw_token = self.get_raw_token(header) if header is not None else None
        if raw_token is None:
            return None
        validated_token = self.get_validated_token(raw_token)
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        user = _token_user(await user_aget_by_id(user_id))
        bind_user(str(user.pk))
        return user, validated_token


def _token_user(user: User | None) -> User:
    """The user an access token names, if it may still act."""
    if user is None:
        raise AuthenticationFailed(INVALID_ACCESS_TOKEN, code="invalid_token")
    if not user.is_active:
        raise AuthenticationFailed(USER_INACTIVE, code="user_inactive")
    return user


def api_key_authenticate(request: Request, raw_key: str) -> tuple[User, ApiKey]:
    """Every check a presented key passes, wherever it was presented (X-API-Key here; Bearer
    and Basic in compat/): known, active, owner active, not expired; then the caller.

    The caller is the key's owner, or — for a trusted front-end key (Open WebUI) naming its
    end user in the X-OpenWebUI-User-* headers — that person, so quota, budgets and the
    ledger follow them while request.auth stays the key (its own scopes still apply).
    """
    # Imported here: selectors reads the quota module, which imports the error envelope,
    # which imports DRF's views, and DRF imports this module while loading its views.
    from accounts.frontend import frontend_person
    from accounts.services import api_key_touch

    api_key = _usable_key(api_key_get_by_raw_key(raw_key=_well_formed(raw_key)))
    api_key_touch(api_key=api_key)
    # Other keys' X-OpenWebUI-User-* headers are ignored.
    person = frontend_person(request, api_key) if api_key.is_trusted_frontend else None
    return _caller(api_key, person)


async def api_key_aauthenticate(request: Request, raw_key: str) -> tuple[User, ApiKey]:
    """`api_key_authenticate` with the lookup on the event loop; the rare writes (the key's
    last use, once a minute; a front end's person) still take a thread."""
    from accounts.frontend import frontend_person
    from accounts.services import api_key_touch, api_key_touch_due

    api_key = _usable_key(await api_key_aget_by_raw_key(raw_key=_well_formed(raw_key)))
    if api_key_touch_due(api_key):
        await sync_to_async(api_key_touch)(api_key=api_key)
    person = None
    if api_key.is_trusted_frontend:
        person = await sync_to_async(frontend_person)(request, api_key)
    return _caller(api_key, person)


def _well_formed(raw_key: str) -> str:
    if not api_key_is_well_formed(raw_key):
        raise AuthenticationFailed(MALFORMED_API_KEY, code="invalid_api_key")
    return raw_key


def _usable_key(api_key: ApiKey | None) -> ApiKey:
    if api_key is None or not api_key.is_active or not api_key.user.is_active:
        raise AuthenticationFailed(INVALID_API_KEY, code="invalid_api_key")
    if api_key.is_expired():
        raise AuthenticationFailed(API_KEY_EXPIRED, code="api_key_expired")
    return api_key


def _caller(api_key: ApiKey, person: User | None) -> tuple[User, ApiKey]:
    user = person or api_key.user
    bind_user(str(user.pk))
    return user, api_key


class ApiKeyAuthentication(BaseAuthentication):
    """`X-API-Key: sk-...`; request.auth is the ApiKey, so views can tell the two apart."""

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        raw_key = request.META.get("HTTP_X_API_KEY")
        if raw_key is None:
            return None
        return api_key_authenticate(request, raw_key.strip())

    async def aauthenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        raw_key = request.META.get("HTTP_X_API_KEY")
        if raw_key is None:
            return None
        return await api_key_aauthenticate(request, raw_key.strip())

    def authenticate_header(self, request: Request) -> str:
        return f'ApiKey realm="api", header="{API_KEY_HEADER}"'
