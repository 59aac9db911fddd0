"""Budgets, scopes and front-end people on the chat, over HTTP against live Daphne processes.

The exactness tests send 100 concurrent chats from one user, half to each of two processes
sharing one database and Redis, and hold the documented bound (README, "Token budgets"):
reservations never add up past the budget, so spent ≤ budget + Σ(real - estimate) of the
admitted requests, and every reservation is settled to the ledger's real count at the end.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from django.db.models import Sum

from accounts.budget import budget_estimate, budget_usage
from accounts.models import User
from accounts.services import api_key_create
from metrics.models import UsageRecord
from ollama_testserver import Reply
from routing.tests.chat.helpers import CHAT, STREAM, bearer, route_to_general

pytestmark = pytest.mark.slow

QUERIES = [f"question {i:03d}" for i in range(100)]  # equal lengths: one estimate for all
ESTIMATE = budget_estimate(prompt_chars=len(QUERIES[0]))


@pytest.fixture
def budget_user(user):
    user.quota_per_minute = 1000  # the per-minute quota stays out of the way
    user.save()
    return user


async def _burst(urls: list[str], headers: dict) -> list[httpx.Response]:
    clients = [httpx.AsyncClient(base_url=u, headers=headers, timeout=120) for u in urls]
    try:
        return await asyncio.gather(
            *(
                clients[i % len(clients)].post(CHAT, json={"query": q})
                for i, q in enumerate(QUERIES)
            )
        )
    finally:
        for client in clients:
            await client.aclose()


def _spent(user) -> int:
    return UsageRecord.objects.filter(user=user).aggregate(t=Sum("total_tokens"))["t"] or 0


def _check_burst(responses: list[httpx.Response], user, budget: int) -> int:
    admitted = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code != 200]
    assert admitted and refused
    for response in refused:
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "budget_exceeded"
        assert 1 <= int(response.headers["Retry-After"]) <= 86_400
    spent = _spent(user)
    real = [r.json()["usage"]["total_tokens"] for r in admitted]
    assert spent == sum(real)
    # Every reservation was settled (and none skipped): the counter is the real spend.
    [day, month] = budget_usage(user=user)
    assert day.used == month.used == spent
    # The documented bound: only what admitted requests cost beyond their estimates.
    assert spent <= budget + sum(max(0, t - ESTIMATE) for t in real)
    return len(admitted)


def _two_processes(factory):
    # A loaded test machine can stall Redis past the 0.5 s default timeout, and a timed-out
    # check fails open (README): that is the outage path, not what these tests measure.
    return factory(processes=2, REDIS_SOCKET_TIMEOUT="10")


def test_100_concurrent_chats_on_two_processes_spend_at_most_the_budget(
    ollama_server, live_gateway_factory, budget_user
):
    route_to_general(ollama_server)
    ollama_server.set_default(Reply(content="short", eval_count=20))  # real < estimate
    budget_user.token_budget_day = 2_000
    budget_user.save()
    gateway = _two_processes(live_gateway_factory)

    responses = asyncio.run(_burst(gateway.urls, bearer(budget_user)))

    _check_burst(responses, budget_user, 2_000)
    assert _spent(budget_user) <= 2_000  # every answer within its estimate: exact


def test_when_answers_cost_more_than_estimated_the_overshoot_is_bounded(
    ollama_server, live_gateway_factory, budget_user
):
    route_to_general(ollama_server)
    ollama_server.set_default(Reply(content="long", eval_count=600))  # real > estimate
    budget_user.token_budget_day = 3_000
    budget_user.save()
    gateway = _two_processes(live_gateway_factory)

    responses = asyncio.run(_burst(gateway.urls, bearer(budget_user)))

    admitted = _check_burst(responses, budget_user, 3_000)
    # Settled costs only grow the counters, so the reservations of every admitted request,
    # across both processes, fit in the budget together (a racy check would admit ~100).
    assert admitted * ESTIMATE <= 3_000


@pytest.fixture
def gateway(ollama_server, live_gateway_factory):
    route_to_general(ollama_server)
    return live_gateway_factory()


def test_a_chat_says_what_is_left_and_a_spent_budget_is_429_on_both_endpoints(gateway, budget_user):
    budget_user.token_budget_day = ESTIMATE + 100
    budget_user.save()
    with httpx.Client(base_url=gateway.url, headers=bearer(budget_user), timeout=30) as http:
        first = http.post(CHAT, json={"query": QUERIES[0]})
        spent = first.json()["usage"]["total_tokens"]
        http.post(CHAT, json={"query": QUERIES[1]})  # whatever is left goes here
        refused = [http.post(url, json={"query": QUERIES[2]}) for url in (CHAT, STREAM)]

    assert first.status_code == 200
    assert int(first.headers["X-Budget-Remaining-Day"]) == ESTIMATE + 100 - ESTIMATE
    assert spent > 0
    for response in refused:
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "budget_exceeded"
        assert int(response.headers["Retry-After"]) >= 1


def test_a_key_without_auto_cannot_use_the_routed_agent(gateway, budget_user):
    scoped = api_key_create(user=budget_user, name="s", allowed_models=["llama3.2:3b"])
    with httpx.Client(
        base_url=gateway.url, headers={"X-API-Key": scoped.raw_key}, timeout=30
    ) as http:
        refused = [http.post(url, json={"query": "hi"}) for url in (CHAT, STREAM)]

    for response in refused:
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "model_not_allowed"
        assert "auto" in error["message"]
    assert not UsageRecord.objects.exists()


def test_a_failed_chat_gives_its_reservation_back(gateway, ollama_server, budget_user):
    ollama_server.set_default(Reply(fault="http_500"))
    budget_user.token_budget_day = 10_000
    budget_user.save()

    response = httpx.post(
        gateway.url + CHAT, json={"query": "hi"}, headers=bearer(budget_user), timeout=30
    )

    assert response.status_code == 503
    [day, _] = budget_usage(user=budget_user)
    assert day.used == _spent(budget_user)  # the classifier's tokens at most, no estimate


def test_a_trusted_front_end_chat_is_the_persons_usage_and_budget(gateway, budget_user):
    created = api_key_create(user=budget_user, name="webui")
    webui = created.api_key
    webui.is_trusted_frontend = True
    webui.save()
    raw = api_key_create(user=budget_user, name="plain")
    headers = {"X-OpenWebUI-User-Email": "carol@example.org"}
    with httpx.Client(base_url=gateway.url, timeout=30) as http:
        trusted = http.post(
            CHAT,
            json={"query": "hi"},
            headers={**headers, "X-API-Key": created.raw_key},
        )
        untrusted = http.post(
            CHAT, json={"query": "hi"}, headers={**headers, "X-API-Key": raw.raw_key}
        )

    assert trusted.status_code == untrusted.status_code == 200
    carol = User.objects.get(email="carol@example.org")
    row = UsageRecord.objects.get(user=carol)
    assert row.api_key_id == webui.pk
    assert UsageRecord.objects.get(api_key=raw.api_key).user_id == budget_user.pk
    [day, _] = budget_usage(user=carol)
    assert day.used == row.total_tokens
