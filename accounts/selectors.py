"""Reads: API key lookup for authentication, key lists, the caller's profile and quota."""

from __future__ import annotations

import functools
import hmac
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from accounts.budget import BudgetUse, budget_usage
from accounts.keys import api_key_digest, api_key_display_prefix, api_key_is_well_formed
from accounts.models import ApiKey, User
from accounts.quota import quota_key, quota_limit_for
from core.redis_client import REDIS_DOWN_ERRORS, sync_redis
from core.rows import instance_from_row, quoted_column, quoted_table, select_columns

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
    for api_key in _keys_with_users(prefix=api_key_display_prefix(raw_key)):
        if hmac.compare_digest(api_key.key_hash.encode(), digest):
            return api_key
    return None


def _keys_with_users(*, prefix: str) -> list[ApiKey]:
    """`ApiKey.objects.select_related("user").filter(prefix=prefix)`, as one SELECT whose
    SQL is built once (core/rows.py: every request authenticates, and compiling the join
    cost most of its time)."""
    key_columns = len(ApiKey._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(_key_lookup_sql(), [prefix])
        rows = cursor.fetchall()
    keys = []
    for row in rows:
        api_key = instance_from_row(ApiKey, row[:key_columns])
        api_key.user = instance_from_row(User, row[key_columns:])
        keys.append(api_key)
    return keys


@functools.cache
def _key_lookup_sql() -> str:
    # Identifiers come from the models' metadata, quoted by the backend; the one value is a
    # query parameter.
    return (
        f"SELECT {select_columns(ApiKey, 'k')}, {select_columns(User, 'u')} "  # noqa: S608
        f"FROM {quoted_table(ApiKey)} k JOIN {quoted_table(User)} u "
        f"ON u.{quoted_column(User, 'id')} = k.{quoted_column(ApiKey, 'user')} "
        f"WHERE k.{quoted_column(ApiKey, 'prefix')} = %s"
    )


def user_get_by_id(user_id: Any) -> User | None:
    """`User.objects.filter(pk=user_id).first()` for the authentication of every JWT request,
    with its SQL built once (core/rows.py). An id that is not a UUID finds nobody."""
    try:
        user_id = uuid.UUID(str(user_id))
    except ValueError:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_user_lookup_sql(), [User._meta.pk.get_db_prep_value(user_id, connection)])
        row = cursor.fetchone()
    return instance_from_row(User, row) if row is not None else None


@functools.cache
def _user_lookup_sql() -> str:
    return (
        f"SELECT {select_columns(User, 'u')} FROM {quoted_table(User)} u "  # noqa: S608
        f"WHERE u.{quoted_column(User, 'id')} = %s"
    )


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
