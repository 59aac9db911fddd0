"""OpenAPI response entries shared by the accounts endpoints."""

from __future__ import annotations

from core.schema import error_response as error

UNAUTHENTICATED = error("Missing, invalid or expired credentials, or a disabled account.")
JWT_ONLY = error("Authenticated with an API key; this endpoint needs a JWT (permission_denied).")
VALIDATION = error("The request body is invalid (validation_error).")

# Security requirements of JWT-only endpoints: an API key is recognised there, but refused.
JWT_SECURITY = [{"jwtAuth": []}, {"OAuth2PasswordBearer": []}]
