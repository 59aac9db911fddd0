"""Per-user, per-minute chat quota in Redis (SPEC sections 7 and 9).

`quota:{user_id}:{yyyyMMddHHmm}` (UTC) is INCRemented and given a 120 s EXPIRE in one
MULTI/EXEC transaction, so the counter never outlives its minute and concurrent requests
each see their own count: exactly `limit` of them are admitted, however many race.
A rejected request still increments the counter; that only moves the count, never the
number admitted.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from core.errors import QuotaExceeded
from core.redis_client import REDIS_DOWN_ERRORS, async_redis
from core.timing import timed
from metrics import recorders

logger = logging.getLogger(__name__)

KEY_TTL_SECONDS = 120


def quota_key(*, user_id: object, at: datetime) -> str:
    """The per-minute chat counter: `quota:{user_id}:{yyyyMMddHHmm}`, in UTC."""
    return f"quota:{user_id}:{at.astimezone(UTC):%Y%m%d%H%M}"


def quota_limit_for(user) -> int:
    """The user's own `quota_per_minute` when set (0 is a real limit), else the default."""
    override = getattr(user, "quota_per_minute", None)
    return settings.QUOTA_PER_MINUTE if override is None else override


@dataclass(frozen=True)
class QuotaStatus:
    """Where the caller stands this minute."""

    limit: int
    count: int
    reset_at: int  # epoch seconds of the start of the next minute

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    def retry_after(self, now: float | None = None) -> int:
        """Whole seconds until the next minute, at least 1."""
        now = time.time() if now is None else now
        return max(1, math.ceil(self.reset_at - now))

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


async def quota_consume(*, user) -> QuotaStatus | None:
    """Count one chat request against the user's minute; raise `QuotaExceeded` when over.

    For callers outside the chat turn (which pipelines the same commands with its cache
    lookup through `quota_enqueue` / `quota_settle`). Returns None when Redis is
    unavailable (see `quota_redis_down`).
    """
    try:
        with timed("redis"):
            async with async_redis().pipeline(transaction=True) as pipe:
                ticket = quota_enqueue(pipe, user=user)
                count, _ = await pipe.execute()
    except REDIS_DOWN_ERRORS as exc:
        return await quota_redis_down(user=user, error=exc)
    return await quota_settle(ticket, count)


@dataclass(frozen=True)
class QuotaTicket:
    """The counter a request incremented, read back by `quota_settle`."""

    user: object
    key: str
    now: datetime


def quota_enqueue(pipe, *, user) -> QuotaTicket:
    """Add the quota's INCR and EXPIRE (two results, in that order) to a MULTI pipeline."""
    now = datetime.now(UTC)
    key = quota_key(user_id=user.pk, at=now)
    pipe.incr(key)
    pipe.expire(key, KEY_TTL_SECONDS)
    return QuotaTicket(user=user, key=key, now=now)


async def quota_settle(ticket: QuotaTicket, count: int) -> QuotaStatus:
    """Judge the count the INCR returned; raise `QuotaExceeded` (429) when over the limit."""
    minute_start = ticket.now.replace(second=0, microsecond=0).timestamp()
    status = QuotaStatus(
        limit=quota_limit_for(ticket.user), count=int(count), reset_at=int(minute_start) + 60
    )
    if not status.allowed:
        await recorders.record_quota_rejection()
        retry_after = status.retry_after(ticket.now.timestamp())
        raise QuotaExceeded(headers={**status.headers(), "Retry-After": str(retry_after)})
    return status


async def quota_redis_down(*, user, error: Exception) -> QuotaStatus | None:
    """The policy while Redis is unreachable: today fail-open (allowed, warning logged)."""
    logger.warning("quota check skipped, Redis unavailable (fail-open): %s", error)
    await recorders.record_redis_fallback("quota_fail_open")
    return None


async def quota_refund(ticket: QuotaTicket) -> None:
    """Give back the unit a request took when it is cancelled before it was admitted."""
    try:
        await async_redis().decr(ticket.key)
    except REDIS_DOWN_ERRORS as exc:
        logger.warning("quota unit not given back, Redis unavailable: %s", exc)
