"""Reads over the usage ledger: totals and breakdowns by user (person), key, model, intent, day.

Every aggregation runs in the database (one query per breakdown); the lifetime counters of
the users in the window come from Redis in one MGET and are `None` when Redis is down.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from core.redis_client import REDIS_DOWN_ERRORS, sync_redis
from metrics.models import Outcome, UsageRecord
from metrics.usage_keys import usage_key

MAX_DAYS = 365
DEFAULT_DAYS = 7

_COUNTS = {
    "requests": Count("id"),
    "prompt_tokens": Coalesce(Sum("prompt_tokens"), 0),
    "completion_tokens": Coalesce(Sum("completion_tokens"), 0),
    "total_tokens": Coalesce(Sum("total_tokens"), 0),
    # Ollama's load + prompt-eval + eval time summed over the request's LLM calls (issue 14).
    "compute_seconds": Coalesce(Sum("compute_seconds"), 0.0),
}


def usage_window(*, days: int, today: date | None = None) -> tuple[date, date]:
    """The last `days` calendar days in the current time zone, today included."""
    last = today or timezone.localdate()
    return last - timedelta(days=days - 1), last


def usage_records_between(
    *,
    first_day: date,
    last_day: date,
    user_id: Any = None,
    api_key_id: Any = None,
    key_owner_id: Any = None,
) -> QuerySet[UsageRecord]:
    """Ledger rows stamped on `first_day` … `last_day` (whole days, current time zone).

    Optionally only one user's (person's), one key's, or those of `key_owner_id`'s keys.
    """
    start = timezone.make_aware(datetime.combine(first_day, time.min))
    end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    records = UsageRecord.objects.filter(created_at__gte=start, created_at__lt=end)
    if user_id is not None:
        records = records.filter(user_id=user_id)
    if api_key_id is not None:
        records = records.filter(api_key_id=api_key_id)
    if key_owner_id is not None:
        records = records.filter(api_key__user_id=key_owner_id)
    return records


def usage_totals(records: QuerySet[UsageRecord]) -> dict[str, Any]:
    outcomes = {o.value: Count("id", filter=Q(outcome=o.value)) for o in Outcome}
    row = records.order_by().aggregate(
        **_COUNTS, cached_requests=Count("id", filter=Q(cached=True)), **outcomes
    )
    return {
        **{key: row[key] for key in (*_COUNTS, "cached_requests")},
        "by_outcome": {key: row[key] for key in outcomes},
    }


def _grouped(records: QuerySet[UsageRecord], *fields: str) -> list[dict[str, Any]]:
    rows = records.order_by().values(*fields).annotate(**_COUNTS)
    return list(rows.order_by("-total_tokens", "-requests", *fields))


def usage_by_key(records: QuerySet[UsageRecord]) -> list[dict[str, Any]]:
    """Usage per API key (`api_key_id` None: signed in with a JWT), with its owner."""
    rows = _grouped(
        records,
        "api_key_id",
        "api_key__name",
        "api_key__prefix",
        "api_key__user__username",
        "api_key__is_trusted_frontend",
    )
    return [
        {
            "api_key_id": row["api_key_id"],
            "name": row["api_key__name"] or "",
            "prefix": row["api_key__prefix"] or "",
            "owner": row["api_key__user__username"] or "",
            "trusted_frontend": bool(row["api_key__is_trusted_frontend"]),
            **{key: row[key] for key in _COUNTS},
        }
        for row in rows
    ]


def usage_by_person(records: QuerySet[UsageRecord]) -> list[dict[str, Any]]:
    """Usage of the people a trusted front end (Open WebUI) named, per person and key."""
    rows = _grouped(
        records.filter(api_key__is_trusted_frontend=True),
        "user_id",
        "user__username",
        "user__email",
        "api_key__name",
    )
    return [
        {
            "user_id": row["user_id"],
            "username": row["user__username"],
            "email": row["user__email"],
            "frontend_key": row["api_key__name"],
            **{key: row[key] for key in _COUNTS},
        }
        for row in rows
    ]


def lifetime_counters(user_ids: list[str]) -> dict[str, dict[str, int] | None]:
    """Redis `log:{id}:total_tokens` / `log:{id}:request_count` per user, in one MGET."""
    if not user_ids:
        return {}
    keys = [usage_key(uid, name) for uid in user_ids for name in ("total_tokens", "request_count")]
    try:
        values = sync_redis().mget(keys)
    except REDIS_DOWN_ERRORS:
        return dict.fromkeys(user_ids)
    return {
        uid: {"total_tokens": int(values[2 * i] or 0), "request_count": int(values[2 * i + 1] or 0)}
        for i, uid in enumerate(user_ids)
    }


def _by_day(records: QuerySet[UsageRecord], first: date, last: date) -> list[dict[str, Any]]:
    days = {
        first + timedelta(days=n): {**dict.fromkeys(_COUNTS, 0), "by_model": {}}
        for n in range((last - first).days + 1)
    }
    rows = (
        records.order_by()
        .annotate(day=TruncDate("created_at"))
        .values("day", "model")
        .annotate(**_COUNTS)
        .order_by("day", "model")
    )
    for row in rows:
        day = days[row["day"]]
        for key in _COUNTS:
            day[key] += row[key]
        day["by_model"][row["model"]] = {
            "requests": row["requests"],
            "total_tokens": row["total_tokens"],
            "compute_seconds": row["compute_seconds"],
        }
    return [{"date": key, **value} for key, value in days.items()]


def usage_summary(
    *,
    days: int = DEFAULT_DAYS,
    user_id: Any = None,
    today: date | None = None,
    api_key_id: Any = None,
    key_owner_id: Any = None,
) -> dict[str, Any]:
    """Usage over the last `days` days (optionally one user's, one key's or one owner's keys'):
    totals and every breakdown."""
    first, last = usage_window(days=days, today=today)
    records = usage_records_between(
        first_day=first,
        last_day=last,
        user_id=user_id,
        api_key_id=api_key_id,
        key_owner_id=key_owner_id,
    )
    by_user = _grouped(records, "user_id", "user__username")
    lifetime = lifetime_counters([str(row["user_id"]) for row in by_user])
    return {
        "days": days,
        "since": first,
        "until": last,
        "totals": usage_totals(records),
        "by_user": [
            {
                "user_id": row["user_id"],
                "username": row["user__username"],
                **{key: row[key] for key in _COUNTS},
                "lifetime": lifetime[str(row["user_id"])],
            }
            for row in by_user
        ],
        "by_key": usage_by_key(records),
        "by_person": usage_by_person(records),
        "by_model": _grouped(records, "model"),
        "by_intent": _grouped(records, "intent"),
        "by_day": _by_day(records, first, last),
    }
