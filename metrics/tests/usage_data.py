"""Usage ledger rows for the admin API, dashboard, admin and report tests."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from metrics.models import UsageRecord
from metrics.usage import UsageEntry

SIMPLE = "llama3.2:3b"
COMPLEX = "qwen2.5:7b"


def record(
    user,
    *,
    model: str = SIMPLE,
    intent: str = "general",
    prompt: int = 10,
    completion: int = 5,
    outcome: str = "ok",
    cached: bool = False,
    days_ago: int = 0,
    latency_ms: int = 120,
    compute: float = 0.0,
    api_key=None,
) -> UsageRecord:
    """One ledger row stamped at noon `days_ago` days back (the current time zone's days)."""
    row = UsageRecord.objects.create(
        user=user,
        model=model,
        intent=intent,
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        outcome=outcome,
        cached=cached,
        latency_ms=latency_ms,
        compute_seconds=compute,
        api_key=api_key,
    )
    day = timezone.localdate() - timedelta(days=days_ago)
    stamp = timezone.make_aware(datetime.combine(day, time(12, 0)))
    UsageRecord.objects.filter(pk=row.pk).update(created_at=stamp)
    row.refresh_from_db()
    return row


def seed_usage(user, admin_user) -> None:
    """The standard ledger: inside a 7-day window bob has 4 rows, alice 2; one row is older.

    bob:   today  llama general 10+5, qwen search 100+50, qwen analysis 200+100 (cached);
           2 days ago llama general 20+10 (fallback); 10 days ago qwen search 1000+1000.
    alice: 1 day ago qwen creative 30+20; today a blocked query with no model (0 tokens).
    Compute seconds in the window: llama 0.5 + 1.0, qwen 2.25 + 1.5 (a cached answer costs
    none), 5.25 in all; the older row has 9.0.
    """
    record(user, compute=0.5)
    record(user, model=COMPLEX, intent="search", prompt=100, completion=50, compute=2.25)
    record(user, model=COMPLEX, intent="analysis", prompt=200, completion=100, cached=True)
    record(user, prompt=20, completion=10, outcome="fallback", days_ago=2, compute=1.0)
    record(
        user, model=COMPLEX, intent="search", prompt=1000, completion=1000, days_ago=10, compute=9.0
    )
    record(
        admin_user,
        model=COMPLEX,
        intent="creative",
        prompt=30,
        completion=20,
        days_ago=1,
        compute=1.5,
    )
    record(admin_user, model="", intent="", prompt=0, completion=0, outcome="blocked")


def usage_entry(user, **fields) -> UsageEntry:
    """What a turn hands the ledger (metrics.usage.UsageEntry) for `user`; `fields` override."""
    defaults = dict(
        user_id=user.pk,
        api_key_id=None,
        conversation_id=None,
        api="native",
        intent="general",
        model=SIMPLE,
        router="fast",
        prompt_tokens=9,
        completion_tokens=1,
        compute_seconds=0.1,
        cached=False,
        outcome="ok",
        latency_ms=12,
        llm_ms=5,
        cache_hit=None,
    )
    return UsageEntry(**{**defaults, **fields})
