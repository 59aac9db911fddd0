"""Reads: API key lookup for authentication, key lists, the caller's profile and quota."""

from __future__ import annotations

import functools
import hmac
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from accounts.budget import BudgetUse, budget_usage
from accounts.keys import api_key_digest, api_key_display_prefix, api_key_is_well_formed
from accounts.models import ApiKey, User
from accounts.quota import quota_key, quota_limit_for
from core.async_db import afetch_all
from core.redis_client import REDIS_DOWN_ERRORS, sync_redis
from core.rows import fetch_all, instance_from_row, quoted_column, quoted_table, select_columns

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
    return _matching_key(fetch_all(_key_lookup_sql(), [api_key_display_prefix(raw_key)]), raw_key)


async def api_key_aget_by_raw_key(*, raw_key: str) -> ApiKey | None:
    """`api_key_get_by_raw_key` as one statement on the event loop (core/async_db.py)."""
    if not api_key_is_well_formed(raw_key):
        return None
    rows = await afetch_all(_key_lookup_sql(), [api_key_display_prefix(raw_key)])
    return _matching_key(rows, raw_key)


def _matching_key(rows: list[tuple], raw_key: str) -> ApiKey | None:
    """Of the keys (with their users) sharing the presented key's prefix, the one whose
    digest matches. `ApiKey.objects.select_related("user").filter(prefix=...)`, as one
    SELECT whose SQL is built once (core/rows.py: every request authenticates, and
    compiling the join cost most of its time)."""
    digest = api_key_digest(raw_key).encode()
    key_columns = len(ApiKey._meta.concrete_fields)
    for row in rows:
        api_key = instance_from_row(ApiKey, row[:key_columns])
        if hmac.compare_digest(api_key.key_hash.encode(), digest):
            api_key.user = instance_from_row(User, row[key_columns:])
            return api_key
    return None


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
    return _user_from(fetch_all(_user_lookup_sql(), [_user_id_param(user_id)]))


async def user_aget_by_id(user_id: Any) -> User | None:
    """`user_get_by_id` as one statement on the event loop (core/async_db.py)."""
    try:
        user_id = uuid.UUID(str(user_id))
    except ValueError:
        return None
    return _user_from(await afetch_all(_user_lookup_sql(), [_user_id_param(user_id)]))


def _user_id_param(user_id: uuid.UUID) -> Any:
    """The id as the database takes it: a UUID for PostgreSQL, hex text for SQLite (whose
    driver cannot bind a UUID)."""
    return User._meta.pk.get_db_prep_value(user_id, connections["default"])


def _user_from(rows: list[tuple]) -> User | None:
    return instance_from_row(User, rows[0]) if rows else None


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
