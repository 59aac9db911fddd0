"""Per-user, per-minute chat quota in Redis (SPEC sections 7 and 9).

`quota:{user_id}:{yyyyMMddHHmm}` (UTC) is INCRemented and given a 120 s EXPIRE in one
atomic script, so the counter never outlives its minute and concurrent requests each see
their own count: exactly `limit` of them are admitted, however many race. A rejected
request still increments the counter; that only moves the count, never the number admitted.

The script also records each request's count under a per-request marker (same TTL), so a
call that timed out — its INCR may or may not have run — is asked again without counting
twice. A timeout while Redis answers other calls is our own loop running late: after the
retry it is a 503 (`RedisBusy`), never a reason to skip the count; so is an exhausted pool.

Only when Redis is down (refused, silent to everyone, or its circuit breaker open) does
QUOTA_WHEN_REDIS_DOWN decide: `local` counts in this process's memory, starting from the
last count Redis gave it for that user and minute, so one process admits at most the limit
(N processes at most N times it) and the local increments are added to Redis when it
answers again; `closed` refuses with 503; `open` admits with a warning.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from django.conf import settings

from core.errors import QuotaExceeded, ServiceUnavailable
from core.redis_client import REDIS_DOWN_ERRORS, RedisBusy, async_redis, redis_breaker
from core.timing import timed
from metrics import recorders

logger = logging.getLogger(__name__)

KEY_TTL_SECONDS = 120
WARN_INTERVAL_SECONDS = 10.0


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


# KEYS: the counter, this request's marker. ARGV: increments owed from local counting
# while Redis was down, the TTL. Returns this request's count, the same on a retry.
_COUNT_SCRIPT = """
local seen = redis.call('GET', KEYS[2])
if seen then return tonumber(seen) end
local count = redis.call('INCRBY', KEYS[1], 1 + tonumber(ARGV[1]))
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], count, 'EX', ARGV[2])
return count
"""
ATTEMPTS = 2


async def quota_consume(*, user) -> QuotaStatus | None:
    """Count one chat request against the user's minute; raise `QuotaExceeded` when over.

    With Redis down the policy QUOTA_WHEN_REDIS_DOWN applies (see the module docstring):
    `local` returns a status counted in memory, `open` returns None (no headers), and
    `closed` raises `QuotaUnavailable`. Redis merely slow or busy raises `RedisBusy` (503).
    The chat turn does the same in phases, to share its round trip with the cache lookup:
    `quota_enqueue` (into the pipeline), then `quota_settle` or `quota_after_failure`.
    """
    ticket = _ticket(user)
    try:
        count = await _count_in_redis(ticket.key, ticket.marker, ticket.owed)
    except REDIS_DOWN_ERRORS as exc:
        return await _without_redis(ticket, exc)
    return await quota_settle(ticket, count)


@dataclass(frozen=True)
class QuotaTicket:
    """One request's count in flight: what the script was asked, for the answer or a retry."""

    user: object
    key: str
    marker: str
    owed: int
    now: datetime
    started: float


def _ticket(user) -> QuotaTicket:
    now = datetime.now(UTC)
    key = quota_key(user_id=user.pk, at=now)
    return QuotaTicket(
        user=user,
        key=key,
        marker=f"{key}:{uuid.uuid4().hex}",
        owed=_local.take_owed(key),
        now=now,
        started=time.monotonic(),
    )


def quota_enqueue(pipe, *, user) -> QuotaTicket:
    """Add this request's count (one script call, one result) to a Redis pipeline."""
    ticket = _ticket(user)
    pipe.eval(_COUNT_SCRIPT, 2, ticket.key, ticket.marker, ticket.owed, KEY_TTL_SECONDS)
    return ticket


async def quota_settle(ticket: QuotaTicket, count: int) -> QuotaStatus:
    """Judge the count Redis returned; raise `QuotaExceeded` (429) when over the limit."""
    _local.remember(ticket.key, int(count))
    return await _judge(ticket, int(count))


async def quota_after_failure(ticket: QuotaTicket, error: Exception) -> QuotaStatus | None:
    """The pipelined count failed: ask again alone after a timeout, else apply the policy."""
    if isinstance(error, redis.exceptions.TimeoutError) and redis_breaker().allow():
        try:
            count = await _count_in_redis(ticket.key, ticket.marker, ticket.owed)
        except REDIS_DOWN_ERRORS as exc:
            error = exc
        else:
            return await quota_settle(ticket, count)
    return await _without_redis(ticket, error)


async def quota_refund(ticket: QuotaTicket) -> None:
    """Give back the unit a request took when it is cancelled before it was admitted."""
    try:
        await async_redis().decr(ticket.key)
    except REDIS_DOWN_ERRORS as exc:
        logger.warning("quota unit not given back, Redis unavailable: %s", exc)


async def _without_redis(ticket: QuotaTicket, exc: Exception) -> QuotaStatus | None:
    _local.owe(ticket.key, ticket.owed)
    breaker = redis_breaker()
    if breaker.allow() and breaker.answered_since(ticket.started):
        raise RedisBusy() from exc
    count = await _count_without_redis(ticket.key, exc)
    if count is None:
        return None
    return await _judge(ticket, count)


async def _judge(ticket: QuotaTicket, count: int) -> QuotaStatus:
    minute_start = ticket.now.replace(second=0, microsecond=0).timestamp()
    status = QuotaStatus(
        limit=quota_limit_for(ticket.user), count=count, reset_at=int(minute_start) + 60
    )
    if not status.allowed:
        await recorders.record_quota_rejection()
        retry_after = status.retry_after(ticket.now.timestamp())
        raise QuotaExceeded(headers={**status.headers(), "Retry-After": str(retry_after)})
    return status


async def _count_in_redis(key: str, marker: str, owed: int) -> int:
    """This request's count, asked again (idempotently) after a timeout."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with timed("redis"):
                count = await async_redis().eval(
                    _COUNT_SCRIPT, 2, key, marker, owed, KEY_TTL_SECONDS
                )
            return int(count)
        except redis.exceptions.TimeoutError:
            if attempt == ATTEMPTS or not redis_breaker().allow():
                raise
    raise AssertionError("unreachable")


class QuotaUnavailable(ServiceUnavailable):
    """QUOTA_WHEN_REDIS_DOWN=closed and Redis is down: no request is admitted uncounted."""

    default_detail = "The quota service is unavailable; please try again shortly."


async def _count_without_redis(key: str, exc: Exception) -> int | None:
    """Apply QUOTA_WHEN_REDIS_DOWN: the local count, None (open), or raise (closed)."""
    policy = settings.QUOTA_WHEN_REDIS_DOWN
    _warn(f"quota: Redis unavailable, policy {policy!r} ({exc})")
    if policy == "closed":
        await recorders.record_redis_fallback("quota_closed")
        raise QuotaUnavailable(headers={"Retry-After": "5"})
    if policy == "open":
        await recorders.record_redis_fallback("quota_fail_open")
        return None
    await recorders.record_redis_fallback("quota_local")
    return _local.incr(key)


class _LocalCounts:
    """The per-minute counters of this process, for when Redis is down.

    Every successful Redis count is remembered here too, so the local count carries on
    from where Redis left off instead of granting a fresh limit in the minute of the
    outage. Only the current minute's keys are kept (the dict is swept when the minute
    changes), so memory stays one small entry per active user.
    """

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._owed: dict[str, int] = {}  # local increments Redis has not seen yet
        self._minute = ""
        self._lock = threading.Lock()  # quota_consume may run on several event loops

    def remember(self, key: str, count: int) -> None:
        with self._lock:
            self._sweep(key)
            if count > self._counts.get(key, 0):
                self._counts[key] = count

    def incr(self, key: str) -> int:
        with self._lock:
            self._sweep(key)
            self._counts[key] = self._counts.get(key, 0) + 1
            self._owed[key] = self._owed.get(key, 0) + 1
            return self._counts[key]

    def take_owed(self, key: str) -> int:
        """The local increments to add to Redis with this request (then no longer owed)."""
        with self._lock:
            return self._owed.pop(key, 0)

    def owe(self, key: str, amount: int) -> None:
        """Give back increments taken for a request whose Redis call failed."""
        if amount:
            with self._lock:
                self._owed[key] = self._owed.get(key, 0) + amount

    def _sweep(self, key: str) -> None:
        minute = key.rsplit(":", 1)[1]
        if minute != self._minute:
            self._counts = {k: v for k, v in self._counts.items() if k.endswith(minute)}
            self._owed = {k: v for k, v in self._owed.items() if k.endswith(minute)}
            self._minute = minute


_local = _LocalCounts()
_last_warning = -math.inf


def _warn(message: str) -> None:
    """At most one warning per WARN_INTERVAL_SECONDS: an outage must not flood the log."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_INTERVAL_SECONDS:
        _last_warning = now
        logger.warning(message)
