"""API key material: generation, the stored digest and the shape a key must have.

A key is `sk-` + `secrets.token_urlsafe(32)` (43 URL-safe characters, 256 random bits).
Only its SHA-256 digest is stored; a plain digest (no salt, no slow hash) is enough for a
secret with that much entropy and keeps the per-request lookup a single indexed query.
"""

from __future__ import annotations

import hashlib
import re
import secrets

API_KEY_PREFIX = "sk-"
API_KEY_RANDOM_BYTES = 32
# The characters shown in lists and the admin: "sk-" and 7 random characters.
DISPLAY_PREFIX_LENGTH = 10
API_KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9_-]{32,128}")


def api_key_generate() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(API_KEY_RANDOM_BYTES)


def api_key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_is_well_formed(raw_key: str) -> bool:
    return API_KEY_PATTERN.fullmatch(raw_key) is not None


def api_key_display_prefix(raw_key: str) -> str:
    return raw_key[:DISPLAY_PREFIX_LENGTH]
