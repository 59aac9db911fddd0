"""Messages (and the Bearer challenge) of the accounts app, as constants tests assert on.

Kept free of DRF view imports: authentication.py is loaded while DRF itself is importing.
"""

BEARER_CHALLENGE = 'Bearer realm="api"'

USERNAME_TAKEN = "A user with that username already exists."
USERNAME_MIXED_SCRIPTS = (
    "A username must be written in one script; this one mixes %(scripts)s, which makes it "
    "look like someone else's."
)
EMAIL_TAKEN = "A user with that email address already exists."
INVALID_CREDENTIALS = "Incorrect username or password."
INVALID_REFRESH_TOKEN = "The refresh token is invalid, expired or already used."
REFRESH_TOKEN_NOT_REVOCABLE = (
    "The refresh token is invalid, expired, already revoked or not one of yours."
)
TOO_MANY_ATTEMPTS = "Too many failed sign-in attempts; try again after the time in Retry-After."
# The Django admin's sign-in page, which has no Retry-After header to point at.
LOGIN_LOCKED = "Too many failed sign-in attempts; try again in {seconds} seconds."
INVALID_ACCESS_TOKEN = "The access token is invalid or expired."
USER_INACTIVE = "This account is disabled."
MALFORMED_API_KEY = "The X-API-Key header is malformed; expected sk- followed by the key."
INVALID_API_KEY = "The API key is invalid or has been revoked."
API_KEY_NOT_FOUND = "No such API key."
API_KEYS_NEED_JWT = (
    "API keys cannot manage API keys; sign in (POST /api/auth/login) and use the "
    "Bearer access token."
)

# Governance (issue 16).
BUDGET_EXCEEDED = "Token budget spent; it resets at the time in Retry-After."
KEY_RATE_LIMITED = "This API key's per-minute limit is reached; try again after Retry-After."
MODEL_NOT_ALLOWED = "This API key may not use the model {model!r}."
API_KEY_EXPIRED = "The API key has expired."
INVALID_FRONTEND_USER = "The {header} header is not a valid email address."
FRONTEND_USER_NOT_ALLOWED = (
    "A front end cannot act for an admin unless its key belongs to an admin."
)
