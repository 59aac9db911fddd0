"""Token services: sign in, refresh with rotation, sign out (SPEC section 5).

Refresh tokens are recorded in simplejwt's OutstandingToken when issued. Rotation and
sign-out insert a BlacklistedToken row; its one-to-one key on the outstanding token makes
the insert the arbiter, so of two concurrent refreshes with one token exactly one wins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypeVar

import jwt
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.backends import login_lockout
from accounts.errors import (
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshTokenNotRevocable,
    TooManyAttempts,
)
from accounts.models import User

TokenT = TypeVar("TokenT", bound=Token)

# Time claims must be whole seconds a datetime can hold (up to 9999-12-31T23:59:59Z):
# simplejwt turns them into datetimes, and a huge `exp` would raise instead of refusing.
_TIME_CLAIMS = ("exp", "iat", "nbf")
_LAST_EPOCH_SECOND = 253_402_300_799


def _time_claims_are_sane(raw_token: str | bytes) -> bool:
    try:
        claims = jwt.decode(raw_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return True  # not a JWT at all: the token class refuses it with its own error
    for name in _TIME_CLAIMS:
        value = claims.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        if not 0 <= value <= _LAST_EPOCH_SECOND:
            return False
    return True


def token_verify(token_class: type[TokenT], raw_token: str | bytes) -> TokenT:
    """A verified token (signature, expiry, type); raises TokenError for anything else,
    absurd time claims included."""
    if not _time_claims_are_sane(raw_token):
        raise TokenError("Token has an invalid time claim")
    return token_class(raw_token)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds until the access token expires
    token_type: str = "bearer"


def token_pair_issue(*, user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)  # also records it as outstanding
    return TokenPair(
        access_token=str(refresh.access_token),
        refresh_token=str(refresh),
        expires_in=int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
    )


def token_pair_obtain(*, request: HttpRequest | Request, username: str, password: str) -> TokenPair:
    """Sign in with a password through the authentication backends.

    ThrottledModelBackend counts the attempt per username and per address (hence the
    request) and reports a lock, which becomes a 429 with Retry-After. ModelBackend rejects
    inactive users and hashes even for unknown names (even timing).
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        wait = login_lockout(request)
        if wait is not None:
            raise TooManyAttempts(headers={"Retry-After": str(wait)})
        raise InvalidCredentials()
    return token_pair_issue(user=user)


def _decode_refresh(raw_token: str) -> RefreshToken | None:
    """A verified refresh token (signature, expiry, type, not blacklisted) or None."""
    try:
        return token_verify(RefreshToken, raw_token)
    except TokenError:
        return None


def _token_owner_id(token: RefreshToken) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(token.get(api_settings.USER_ID_CLAIM)))
    except ValueError:
        return None


def _blacklist(token: RefreshToken, *, user: User) -> bool:
    """Blacklist the token; False if it already was (another request got there first)."""
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token[api_settings.JTI_CLAIM],
        defaults={
            "user": user,
            "token": str(token),
            "created_at": datetime_from_epoch(token["iat"]) if "iat" in token else None,
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        return False
    return True


def token_pair_refresh(*, refresh_token: str) -> TokenPair:
    """Rotate: blacklist the given refresh token and issue a new pair for an active owner."""
    token = _decode_refresh(refresh_token)
    owner_id = _token_owner_id(token) if token is not None else None
    user = User.objects.filter(pk=owner_id, is_active=True).first() if owner_id else None
    if user is None:
        raise InvalidRefreshToken()
    with transaction.atomic():
        if not _blacklist(token, user=user):
            raise InvalidRefreshToken()
        return token_pair_issue(user=user)


def refresh_token_revoke(*, user: User, refresh_token: str) -> None:
    """Sign out: blacklist one of the user's own refresh tokens."""
    token = _decode_refresh(refresh_token)
    if token is None or _token_owner_id(token) != user.pk:
        raise RefreshTokenNotRevocable()
    _blacklist(token, user=user)
