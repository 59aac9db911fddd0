"""Reads: API key lookup for authentication, key lists, the caller's profile and quota."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import QuerySet

from accounts.budget import BudgetUse, budget_usage
from accounts.keys import api_key_digest, api_key_display_prefix, api_key_is_well_formed
from accounts.models import ApiKey, User
from accounts.quota import quota_key, quota_limit_for
from core.redis_client import REDIS_DOWN_ERRORS, sync_redis

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QuotaSnapshot:
    per_minute: int
    used_this_minute: int | None  # None when Redis cannot be read
    remaining: int | None


@dataclass(frozen=True)
class UserProfile:
    user: User
    quota: QuotaSnapshot
    budgets: list[BudgetUse]


def api_key_get_by_raw_key(*, raw_key: str) -> ApiKey | None:
    """The key (with its user, in one query) whose digest matches, or None.

    The key's prefix is not secret: it only picks the candidates, through its index. What
    decides is the digest, compared in constant time (the healthchecks pattern), so response
    timing says nothing about how much of a stored digest a presented key matched.
    """
    if not api_key_is_well_formed(raw_key):
        return None
    digest = api_key_digest(raw_key).encode()
    candidates = ApiKey.objects.select_related("user").filter(
        prefix=api_key_display_prefix(raw_key)
    )
    for api_key in candidates:
        if hmac.compare_digest(api_key.key_hash.encode(), digest):
            return api_key
    return None


def api_key_list(*, user: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user=user).order_by("-created_at")


def user_quota_get(*, user: User, now: datetime | None = None) -> QuotaSnapshot:
    per_minute = quota_limit_for(user)
    key = quota_key(user_id=user.pk, at=now or datetime.now(UTC))
    try:
        raw = sync_redis().get(key)
    except REDIS_DOWN_ERRORS:
        logger.warning("quota counter unavailable (Redis down); reporting usage as unknown")
        return QuotaSnapshot(per_minute=per_minute, used_this_minute=None, remaining=None)
    used = int(raw or 0)
    return QuotaSnapshot(
        per_minute=per_minute, used_this_minute=used, remaining=max(0, per_minute - used)
    )


def user_profile_get(*, user: User) -> UserProfile:
    return UserProfile(user=user, quota=user_quota_get(user=user), budgets=budget_usage(user=user))
