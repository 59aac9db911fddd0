"""Domain errors of the accounts app (their messages are in messages.py)."""

from __future__ import annotations

from rest_framework import status

from accounts.messages import (
    API_KEY_NOT_FOUND,
    BEARER_CHALLENGE,
    BUDGET_EXCEEDED,
    EMAIL_TAKEN,
    INVALID_CREDENTIALS,
    INVALID_REFRESH_TOKEN,
    KEY_RATE_LIMITED,
    MODEL_NOT_ALLOWED,
    REFRESH_TOKEN_NOT_REVOCABLE,
    TOO_MANY_ATTEMPTS,
    USERNAME_TAKEN,
)
from core.errors import Conflict, GatewayError


class UsernameTaken(Conflict):
    default_detail = USERNAME_TAKEN


class EmailTaken(Conflict):
    default_detail = EMAIL_TAKEN


class _Unauthorized(GatewayError):
    """A 401 raised outside DRF's authentication step, so it carries its own challenge."""

    status_code = status.HTTP_401_UNAUTHORIZED

    def __init__(self, message: str | None = None, **kwargs):
        kwargs.setdefault("headers", {"WWW-Authenticate": BEARER_CHALLENGE})
        super().__init__(message, **kwargs)


class InvalidCredentials(_Unauthorized):
    default_code = "invalid_credentials"
    default_detail = INVALID_CREDENTIALS


class InvalidRefreshToken(_Unauthorized):
    default_code = "invalid_token"
    default_detail = INVALID_REFRESH_TOKEN


class RefreshTokenNotRevocable(GatewayError):
    default_code = "invalid_refresh_token"
    default_detail = REFRESH_TOKEN_NOT_REVOCABLE


class TooManyAttempts(GatewayError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_attempts"
    default_detail = TOO_MANY_ATTEMPTS


class ApiKeyNotFound(GatewayError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_detail = API_KEY_NOT_FOUND


class BudgetExceeded(GatewayError):
    """A day or month token budget (the user's or the key's) has no room for the request."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "budget_exceeded"
    default_detail = BUDGET_EXCEEDED


class KeyRateLimited(GatewayError):
    """The key's own requests_per_minute or tokens_per_minute is reached."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "quota_exceeded"
    default_detail = KEY_RATE_LIMITED


class ModelNotAllowed(GatewayError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "model_not_allowed"
    default_detail = MODEL_NOT_ALLOWED


class KeyLimitAboveOwner(GatewayError):
    """A key's own limit is more than its owner's (details name each field)."""

    default_code = "validation_error"
    default_detail = "An API key's limits cannot be more than its owner's."
