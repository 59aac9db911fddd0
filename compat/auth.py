"""Credentials as OpenAI and Ollama clients send them: `Authorization: Bearer <key or JWT>`.

The openai SDK, Open WebUI and the ollama library put the gateway's `sk-` key in a Bearer
header (the native API wants it in X-API-Key), and the ollama library turns a
`http://user:sk-...@host` URL into Basic auth. A Bearer value that is not a key is a JWT
access token, checked by the native JWT class; X-API-Key keeps working too.
"""

from __future__ import annotations

import base64
import binascii

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.authentication import (
    ApiKeyAuthentication,
    GatewayJWTAuthentication,
    api_key_aauthenticate,
    api_key_authenticate,
)
from accounts.keys import API_KEY_PREFIX, api_key_is_well_formed
from accounts.messages import BEARER_CHALLENGE
from accounts.models import ApiKey, User

MALFORMED_BEARER_KEY = "The API key in the Authorization header is malformed."


def _presented_key(request: Request) -> str | None:
    """The `sk-` key in `Bearer sk-...` or in the password of Basic auth, else None."""
    parts = get_authorization_header(request).split()
    if len(parts) != 2:
        return None
    scheme, value = parts[0].lower(), parts[1]
    if scheme == b"bearer":
        token = value.decode("latin-1")
        return token if token.startswith(API_KEY_PREFIX) else None
    if scheme == b"basic":
        try:
            _, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return password if password.startswith(API_KEY_PREFIX) else None
    return None


def _bearer_key(request: Request) -> str | None:
    """The presented key, None when there is none; a malformed one is refused here."""
    raw_key = _presented_key(request)
    if raw_key is not None and not api_key_is_well_formed(raw_key):
        raise AuthenticationFailed(MALFORMED_BEARER_KEY, code="invalid_api_key")
    return raw_key


class BearerApiKeyAuthentication(BaseAuthentication):
    """An API key sent as `Authorization: Bearer sk-...` (or as the Basic auth password)."""

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        raw_key = _bearer_key(request)
        # Revoked, expired, owner disabled; a trusted front end's person (issue 16).
        return api_key_authenticate(request, raw_key) if raw_key is not None else None

    async def aauthenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        raw_key = _bearer_key(request)
        return await api_key_aauthenticate(request, raw_key) if raw_key is not None else None

    def authenticate_header(self, request: Request) -> str:
        return BEARER_CHALLENGE


class CompatJWTAuthentication(GatewayJWTAuthentication):
    """The native Bearer JWT, stepping aside for Basic auth and Bearer keys."""

    def authenticate(self, request: Request):
        return super().authenticate(request) if _bearer_token(request) else None

    async def aauthenticate(self, request: Request):
        return await super().aauthenticate(request) if _bearer_token(request) else None


def _bearer_token(request: Request) -> bool:
    """Whether the Authorization header is a Bearer credential that is not an `sk-` key."""
    header = get_authorization_header(request).split()
    if not header or header[0].lower() != b"bearer":
        return False
    return not (len(header) == 2 and header[1].startswith(API_KEY_PREFIX.encode()))


# The first class's challenge is the one a 401 carries: OpenAI clients send Bearer.
COMPAT_AUTHENTICATION = [
    BearerApiKeyAuthentication,
    CompatJWTAuthentication,
    ApiKeyAuthentication,
]
