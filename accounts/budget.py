"""Token budgets and a key's per-minute limits, reserved atomically in Redis (issue 16).

A request reserves its estimate (`budget_estimate`) on every counter that applies — the
user's and the key's UTC day and month, the key's minute of tokens and of requests — in one
Lua script: either every counter has room and all are incremented, or none is touched and
the request is refused. Reservations therefore never add up past a budget, however many
requests race on however many processes. When the request ends its reservation is settled
to Ollama's real count (or released, on error or disconnect), so the counters hold spent
tokens plus the estimates of requests still in flight.

Overshoot: the spend passes a budget only by what requests in flight when it ran out cost
beyond their estimates (README, "Token budgets"). Counters are kept even when no limit is
set, so a budget set or lowered later applies to what was already spent that period.

Counters: `budget:{user|key}:{id}:{d|m}:{yyyymmdd|yyyymm}`, `ratelimit:key:{id}:{tpm|rpm}:
{yyyymmddHHMM}` (all UTC). Redis down: admitted without limits (fail-open, logged), as quota.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings

from accounts.errors import BudgetExceeded, KeyRateLimited, ModelNotAllowed
from accounts.scopes import user_budget_day, user_budget_month
from core.redis_client import REDIS_DOWN_ERRORS, async_redis, sync_redis
from core.timing import timed
from metrics import recorders

logger = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4  # a prompt's tokens are estimated from its characters
UNLIMITED = -1
# Counters outlive their period a little, so a request that spans midnight settles cleanly.
TTL_GRACE_SECONDS = 3600

# KEYS: counters. ARGV: limit, amount, ttl for each (limit -1: count only).
# Returns {0, value...} when admitted (the counters' new values), {i, value} when the i-th
# (1-based) counter has no room for its amount.
_RESERVE = """
for i = 1, #KEYS do
  local limit = tonumber(ARGV[3 * i - 2])
  local amount = tonumber(ARGV[3 * i - 1])
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if limit >= 0 and used + amount > limit then return {i, used} end
end
local out = {0}
for i = 1, #KEYS do
  out[i + 1] = redis.call('INCRBY', KEYS[i], ARGV[3 * i - 1])
  redis.call('EXPIRE', KEYS[i], ARGV[3 * i])
end
return out
"""

# KEYS: token counters. ARGV: delta, ttl. Never below zero (a counter flushed meanwhile).
_SETTLE = """
for i = 1, #KEYS do
  if redis.call('INCRBY', KEYS[i], ARGV[1]) < 0 then redis.call('SET', KEYS[i], 0) end
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
"""


def budget_estimate(*, prompt_chars: int, max_tokens: int | None = None) -> int:
    """Tokens to reserve: the prompt from its length plus the expected completion.

    The completion is BUDGET_COMPLETION_ESTIMATE, or the request's own max_tokens /
    num_predict when smaller — never the model's whole context.
    """
    completion = settings.BUDGET_COMPLETION_ESTIMATE
    if max_tokens is not None and max_tokens > 0:
        completion = min(completion, max_tokens)
    return math.ceil(max(0, prompt_chars) / CHARS_PER_TOKEN) + completion


@dataclass(frozen=True)
class Period:
    name: str  # "day" | "month" | "minute"
    tag: str  # the key suffix, e.g. 20261206
    reset_at: int  # epoch seconds when the next period starts

    def ttl(self, now: float) -> int:
        return max(1, int(self.reset_at - now)) + TTL_GRACE_SECONDS


def periods(now: datetime) -> dict[str, Period]:
    now = now.astimezone(UTC)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    minute_start = now.replace(second=0, microsecond=0)
    return {
        "day": Period("day", f"{now:%Y%m%d}", int((day_start + timedelta(days=1)).timestamp())),
        "month": Period("month", f"{now:%Y%m}", int(next_month.timestamp())),
        "minute": Period(
            "minute", f"{now:%Y%m%d%H%M}", int((minute_start + timedelta(minutes=1)).timestamp())
        ),
    }


def budget_key(scope: str, owner_id: object, period: Period) -> str:
    return f"budget:{scope}:{owner_id}:{period.name[0]}:{period.tag}"


def rate_key(api_key_id: object, kind: str, period: Period) -> str:
    return f"ratelimit:key:{api_key_id}:{kind}:{period.tag}"


@dataclass(frozen=True)
class Counter:
    """One Redis counter a request is checked against (limit None: only counted)."""

    key: str
    limit: int | None
    amount: int
    period: Period
    scope: str  # "user" | "key"
    kind: str  # "budget" | "tpm" | "rpm"

    @property
    def settles(self) -> bool:
        return self.kind != "rpm"  # a request is a request; tokens are settled to real counts


def request_counters(user, api_key, estimate: int, now: datetime) -> list[Counter]:
    """Every counter one request touches, with the limit that applies to each."""
    p = periods(now)
    counters = [
        Counter(budget_key("user", user.pk, p["day"]), user_budget_day(user), estimate,
                p["day"], "user", "budget"),
        Counter(budget_key("user", user.pk, p["month"]), user_budget_month(user), estimate,
                p["month"], "user", "budget"),
    ]  # fmt: skip
    if api_key is not None:
        counters += [
            Counter(budget_key("key", api_key.pk, p["day"]), api_key.token_budget_day,
                    estimate, p["day"], "key", "budget"),
            Counter(budget_key("key", api_key.pk, p["month"]), api_key.token_budget_month,
                    estimate, p["month"], "key", "budget"),
            Counter(rate_key(api_key.pk, "tpm", p["minute"]), api_key.tokens_per_minute,
                    estimate, p["minute"], "key", "tpm"),
            Counter(rate_key(api_key.pk, "rpm", p["minute"]), api_key.requests_per_minute,
                    1, p["minute"], "key", "rpm"),
        ]  # fmt: skip
    return counters


@dataclass
class Reservation:
    """What a request holds until it ends: settle it to the real count, or release it."""

    estimate: int
    settling: list[tuple[str, int]] = field(default_factory=list)  # (counter key, ttl)
    remaining: dict[str, int] = field(default_factory=dict)  # "day"/"month" → tokens left
    done: bool = False

    def headers(self) -> dict[str, str]:
        """X-Budget-Remaining-Day / -Month: tokens left after this reservation (when limited)."""
        return {
            f"X-Budget-Remaining-{period.title()}": str(left)
            for period, left in self.remaining.items()
        }


def _remaining(counters: list[Counter], values: list[int]) -> dict[str, int]:
    left: dict[str, int] = {}
    for counter, value in zip(counters, values, strict=True):
        if counter.kind == "budget" and counter.limit is not None:
            name = counter.period.name
            left[name] = min(left.get(name, counter.limit), max(0, counter.limit - int(value)))
    return left


def _refusal(counter: Counter, now: float):
    retry_after = str(max(1, math.ceil(counter.period.reset_at - now)))
    details = {"scope": counter.scope, "period": counter.period.name, "limit": counter.limit}
    headers = {"Retry-After": retry_after}
    if counter.kind == "budget":
        headers[f"X-Budget-Remaining-{counter.period.name.title()}"] = "0"
        return BudgetExceeded(details=details, headers=headers)
    return KeyRateLimited(details={**details, "limit_type": counter.kind}, headers=headers)


def model_check(api_key, model: str) -> None:
    """403 model_not_allowed when a scoped key names a model outside its scope."""
    if api_key is not None and not api_key.allows_model(model):
        raise ModelNotAllowed(
            ModelNotAllowed.default_detail.format(model=model),
            details={"model": model, "allowed_models": list(api_key.allowed_models)},
        )


async def admission_check(*, user, api_key, model: str, estimate: int) -> Reservation:
    """The model scope, then reserve `estimate` on every budget and key rate at once.

    Raises ModelNotAllowed (403), BudgetExceeded (429) or KeyRateLimited (429), each with
    Retry-After where waiting helps. The returned reservation must be settled or released.
    The chat turn does the same in phases, sharing its round trip with the quota and the
    cache: `budget_enqueue`, then `budget_reserved` or `budget_unreserved`.
    """
    ticket = _budget_ticket(user=user, api_key=api_key, model=model, estimate=estimate)
    try:
        with timed("redis"):
            result = await async_redis().eval(_RESERVE, *ticket.script_args)
    except REDIS_DOWN_ERRORS as exc:
        return await budget_unreserved(ticket, exc)
    return await budget_reserved(ticket, result)


@dataclass(frozen=True)
class BudgetTicket:
    """One request's reservation in flight: its counters and the script's arguments."""

    estimate: int
    counters: list[Counter]
    now: datetime
    script_args: tuple

    def settling(self) -> list[tuple[str, int]]:
        return [(c.key, c.period.ttl(self.now.timestamp())) for c in self.counters if c.settles]


def _budget_ticket(*, user, api_key, model: str, estimate: int) -> BudgetTicket:
    model_check(api_key, model)
    now = datetime.now(UTC)
    counters = request_counters(user, api_key, estimate, now)
    args: list[int] = []
    for c in counters:
        args += [UNLIMITED if c.limit is None else c.limit, c.amount, c.period.ttl(now.timestamp())]
    script_args = (len(counters), *(c.key for c in counters), *args)
    return BudgetTicket(estimate=estimate, counters=counters, now=now, script_args=script_args)


def budget_enqueue(pipe, *, user, api_key, model: str, estimate: int) -> BudgetTicket:
    """Check the key's model scope (403 now), then add the reservation script to `pipe`."""
    ticket = _budget_ticket(user=user, api_key=api_key, model=model, estimate=estimate)
    pipe.eval(_RESERVE, *ticket.script_args)
    return ticket


async def budget_reserved(ticket: BudgetTicket, result) -> Reservation:
    """The reservation the script made, or the refusal (429) when a counter had no room."""
    if int(result[0]) != 0:
        await recorders.record_quota_rejection()
        raise _refusal(ticket.counters[int(result[0]) - 1], ticket.now.timestamp())
    return Reservation(
        estimate=ticket.estimate,
        settling=ticket.settling(),
        remaining=_remaining(ticket.counters, result[1:]),
    )


async def budget_discard(ticket: BudgetTicket, result) -> None:
    """Give back what the script reserved, for a request refused for another reason."""
    if int(result[0]) == 0:
        reservation = Reservation(estimate=ticket.estimate, settling=ticket.settling())
        await reservation_release(reservation)


async def budget_unreserved(ticket: BudgetTicket, error: Exception) -> Reservation:
    """Redis is down: admitted without limits (fail-open, logged), as the quota's `open`."""
    logger.warning("budget check skipped, Redis unavailable (fail-open): %s", error)
    await recorders.record_redis_fallback("budget_fail_open")
    return Reservation(estimate=ticket.estimate, done=True)


def reservation_settle_fill(reservation: Reservation, tokens: int):
    """`reservation_settle`'s commands for a caller's pipeline (None: nothing to write).

    Marks the reservation settled; the caller writes the commands (best effort: with Redis
    down the counters keep the estimate instead of the real count).
    """
    if reservation.done:
        return None
    reservation.done = True
    delta = max(0, int(tokens)) - reservation.estimate
    if delta == 0 or not reservation.settling:
        return None
    keys = [key for key, _ in reservation.settling]
    ttl = max(ttl for _, ttl in reservation.settling)
    return lambda pipe: pipe.eval(_SETTLE, len(keys), *keys, delta, ttl)


async def reservation_settle(reservation: Reservation, tokens: int) -> None:
    """Replace the estimate with the real count (Ollama's prompt + completion tokens).

    Once per reservation; later calls (e.g. a release after a settle) do nothing.
    """
    fill = reservation_settle_fill(reservation, tokens)
    if fill is None:
        return
    try:
        with timed("redis"):
            async with async_redis().pipeline(transaction=False) as pipe:
                fill(pipe)
                await pipe.execute()
    except REDIS_DOWN_ERRORS as exc:
        # The counter keeps the estimate instead of the real count; logged, never fatal.
        logger.warning("budget not settled, Redis unavailable: %s", exc)
        await recorders.record_redis_fallback("budget_settle_skipped")


async def reservation_release(reservation: Reservation) -> None:
    """Give the estimate back: the request ended before the model spent anything."""
    await reservation_settle(reservation, 0)


@dataclass(frozen=True)
class BudgetUse:
    period: str
    limit: int | None
    used: int | None  # None when Redis cannot be read
    remaining: int | None
    resets_at: datetime


def budget_usage(*, user, api_key=None, now: datetime | None = None) -> list[BudgetUse]:
    """The user's (or the key's, when given) day and month budgets and what is left."""
    now = now or datetime.now(UTC)
    p = periods(now)
    if api_key is not None:
        scope, owner, limits = "key", api_key.pk, (
            api_key.token_budget_day, api_key.token_budget_month)  # fmt: skip
    else:
        scope, owner, limits = "user", user.pk, (user_budget_day(user), user_budget_month(user))
    keys = [budget_key(scope, owner, p["day"]), budget_key(scope, owner, p["month"])]
    try:
        values: list[int | None] = [int(v or 0) for v in sync_redis().mget(keys)]
    except REDIS_DOWN_ERRORS:
        values = [None, None]
    uses = []
    for name, limit, used in zip(("day", "month"), limits, values, strict=True):
        left = None if limit is None or used is None else max(0, limit - used)
        resets = datetime.fromtimestamp(p[name].reset_at, UTC)
        uses.append(BudgetUse(name, limit, used, left, resets))
    return uses
