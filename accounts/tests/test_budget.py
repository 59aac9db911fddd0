"""Token budgets and key rates (accounts/budget.py): reserve, refuse, settle, release, exactness."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from accounts import budget
from accounts.budget import (
    admission_check,
    budget_estimate,
    budget_usage,
    periods,
    reservation_release,
    reservation_settle,
)
from accounts.errors import BudgetExceeded, KeyRateLimited, ModelNotAllowed
from accounts.services import api_key_create

pytestmark = pytest.mark.django_db(transaction=True)


def _set(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(fields))
    return obj


def test_the_estimate_is_the_prompt_from_its_length_plus_the_expected_completion(settings):
    settings.BUDGET_COMPLETION_ESTIMATE = 256

    assert budget_estimate(prompt_chars=400) == 100 + 256
    assert budget_estimate(prompt_chars=401, max_tokens=1000) == 101 + 256
    assert budget_estimate(prompt_chars=400, max_tokens=50) == 100 + 50


def test_periods_are_utc_days_and_months_and_reset_at_their_ends():
    p = periods(datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC))

    assert p["day"].tag == "20261231"
    assert p["day"].reset_at == datetime(2027, 1, 1, tzinfo=UTC).timestamp()
    assert p["month"].tag == "202612"
    assert p["month"].reset_at == datetime(2027, 1, 1, tzinfo=UTC).timestamp()
    assert p["minute"].reset_at == datetime(2027, 1, 1, tzinfo=UTC).timestamp()


async def test_it_reserves_within_the_budget_and_says_what_is_left(user):
    await asyncio.to_thread(_set, user, token_budget_day=1000, token_budget_month=5000)

    reservation = await admission_check(user=user, api_key=None, model="auto", estimate=300)

    assert reservation.headers() == {
        "X-Budget-Remaining-Day": "700",
        "X-Budget-Remaining-Month": "4700",
    }


async def test_a_spent_budget_is_429_budget_exceeded_until_the_day_resets(user):
    await asyncio.to_thread(_set, user, token_budget_day=500)
    await admission_check(user=user, api_key=None, model="auto", estimate=400)

    with pytest.raises(BudgetExceeded) as refused:
        await admission_check(user=user, api_key=None, model="auto", estimate=200)

    now = datetime.now(UTC).timestamp()
    seconds_to_midnight = periods(datetime.now(UTC))["day"].reset_at - now
    assert refused.value.status_code == 429
    assert refused.value.get_codes() == "budget_exceeded"
    assert abs(int(refused.value.headers["Retry-After"]) - seconds_to_midnight) <= 2
    assert refused.value.details == {"scope": "user", "period": "day", "limit": 500}


async def test_settling_replaces_the_estimate_with_the_real_count(user):
    await asyncio.to_thread(_set, user, token_budget_day=1000)
    reservation = await admission_check(user=user, api_key=None, model="auto", estimate=300)

    await reservation_settle(reservation, 120)
    await reservation_release(reservation)  # after a settle: nothing more happens

    [day, _] = await asyncio.to_thread(budget_usage, user=user)
    assert (day.limit, day.used, day.remaining) == (1000, 120, 880)


async def test_a_released_reservation_gives_the_estimate_back(user):
    await asyncio.to_thread(_set, user, token_budget_day=300)
    reservation = await admission_check(user=user, api_key=None, model="auto", estimate=300)

    await reservation_release(reservation)

    again = await admission_check(user=user, api_key=None, model="auto", estimate=300)
    assert again.headers()["X-Budget-Remaining-Day"] == "0"


async def test_spend_is_counted_while_unlimited_so_a_new_budget_applies_at_once(user, settings):
    settings.USER_TOKEN_BUDGET_DAY = None
    first = await admission_check(user=user, api_key=None, model="auto", estimate=600)
    await reservation_settle(first, 600)

    await asyncio.to_thread(_set, user, token_budget_day=1000)

    with pytest.raises(BudgetExceeded):
        await admission_check(user=user, api_key=None, model="auto", estimate=500)


async def test_the_setting_is_every_users_default_and_an_override_wins(user, outsider, settings):
    settings.USER_TOKEN_BUDGET_MONTH = 100
    await asyncio.to_thread(_set, outsider, token_budget_month=10_000)

    with pytest.raises(BudgetExceeded) as refused:
        await admission_check(user=user, api_key=None, model="auto", estimate=101)
    await admission_check(user=outsider, api_key=None, model="auto", estimate=101)

    assert refused.value.details["period"] == "month"


async def test_a_keys_own_budget_is_checked_besides_its_owners(user):
    created = await asyncio.to_thread(api_key_create, user=user, name="ci", token_budget_day=200)

    await admission_check(user=user, api_key=created.api_key, model="auto", estimate=150)
    with pytest.raises(BudgetExceeded) as refused:
        await admission_check(user=user, api_key=created.api_key, model="auto", estimate=100)
    # The owner, without the key, still has room.
    await admission_check(user=user, api_key=None, model="auto", estimate=100)

    assert refused.value.details["scope"] == "key"


async def test_a_refused_request_reserves_nothing_anywhere(user):
    created = await asyncio.to_thread(api_key_create, user=user, name="ci", token_budget_month=100)

    with pytest.raises(BudgetExceeded):
        await admission_check(user=user, api_key=created.api_key, model="auto", estimate=150)

    [day, month] = await asyncio.to_thread(budget_usage, user=user)
    assert (day.used, month.used) == (0, 0)


async def test_a_keys_requests_per_minute_are_limited(user):
    created = await asyncio.to_thread(api_key_create, user=user, name="ci", requests_per_minute=2)
    key = created.api_key

    for _ in range(2):
        await admission_check(user=user, api_key=key, model="auto", estimate=1)
    with pytest.raises(KeyRateLimited) as refused:
        await admission_check(user=user, api_key=key, model="auto", estimate=1)

    assert refused.value.status_code == 429
    assert refused.value.details["limit_type"] == "rpm"
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60


async def test_a_keys_tokens_per_minute_are_limited_and_settled(user):
    created = await asyncio.to_thread(api_key_create, user=user, name="ci", tokens_per_minute=500)
    key = created.api_key
    first = await admission_check(user=user, api_key=key, model="auto", estimate=400)

    with pytest.raises(KeyRateLimited) as refused:
        await admission_check(user=user, api_key=key, model="auto", estimate=400)
    await reservation_settle(first, 50)
    await admission_check(user=user, api_key=key, model="auto", estimate=400)

    assert refused.value.details["limit_type"] == "tpm"


async def test_a_scoped_key_is_refused_other_models_naming_the_model(user):
    created = await asyncio.to_thread(
        api_key_create, user=user, name="ci", allowed_models=["llama3.2:3b"]
    )

    await admission_check(user=user, api_key=created.api_key, model="llama3.2:3b", estimate=1)
    for model in ("qwen2.5:7b", "auto"):
        with pytest.raises(ModelNotAllowed) as refused:
            await admission_check(user=user, api_key=created.api_key, model=model, estimate=1)
        assert refused.value.status_code == 403
        assert model in str(refused.value.detail)
        assert refused.value.details["model"] == model


async def test_concurrent_reservations_never_add_up_past_the_budget(user, settings):
    # A loaded machine can stall Redis past the 0.5 s default; a timed-out check fails open
    # (the outage path, tested below), which is not what this test measures.
    settings.REDIS_SOCKET_TIMEOUT = 10
    await asyncio.to_thread(_set, user, token_budget_day=10_000)

    async def one():
        try:
            return await admission_check(user=user, api_key=None, model="auto", estimate=300)
        except BudgetExceeded:
            return None

    results = await asyncio.gather(*(one() for _ in range(100)))

    admitted = [r for r in results if r is not None]
    assert all(r.settling for r in admitted)  # none admitted by failing open
    assert len(admitted) == 10_000 // 300
    [day, _] = await asyncio.to_thread(budget_usage, user=user)
    assert day.used == len(admitted) * 300 <= 10_000


async def test_with_redis_down_requests_are_admitted_without_limits(user, monkeypatch):
    import redis.asyncio as aioredis

    await asyncio.to_thread(_set, user, token_budget_day=1)
    dead = aioredis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(budget, "async_redis", lambda: dead)

    reservation = await admission_check(user=user, api_key=None, model="auto", estimate=500)
    await reservation_settle(reservation, 900)

    assert reservation.headers() == {}
