"""The Redis keys SPEC section 9 fixes, named in one place for every app that reads them.

The chat pipeline writes them; /api/user/me and the admin usage API read them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings


def quota_key(*, user_id: object, at: datetime) -> str:
    """The per-minute chat counter: `quota:{user_id}:{yyyyMMddHHmm}`, in UTC."""
    return f"quota:{user_id}:{at.astimezone(UTC):%Y%m%d%H%M}"


def quota_limit_for(user) -> int:
    """The user's own `quota_per_minute` when set (0 is a real limit), else the default."""
    override = getattr(user, "quota_per_minute", None)
    return settings.QUOTA_PER_MINUTE if override is None else override


def usage_key(user_id: object, name: str) -> str:
    """Lifetime usage: `log:{user_id}:total_tokens`, `:request_count` or `:history`."""
    return f"log:{user_id}:{name}"
