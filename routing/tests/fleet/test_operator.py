"""The issue's "done when", tried as an operator would: three OLLAMA_URLS on a live gateway,
one lacking a model, one stopped and restarted during a load. Every chat succeeds, the admin
view tells the truth at each moment, and compute seconds add up in the ledger and report."""

from __future__ import annotations

import io
import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.core.management import call_command

from metrics.models import UsageRecord
from ollama_testserver import Reply
from routing.tests.chat.helpers import bearer, route_to_general

pytestmark = pytest.mark.slow
NS = 1e9


def compute_reported(servers) -> float:
    return sum(
        (m.load_duration + m.prompt_eval_duration + m.eval_duration) / NS
        for server in servers
        for m in server.reported_metrics
    )


def test_three_backends_one_lacking_a_model_one_restarted_under_load(
    servers, live_gateway_factory, user, admin_user
):
    user.quota_per_minute = 10_000
    user.save(update_fields=["quota_per_minute"])
    for server in servers:
        # general/complex: the classifier runs on llama3.2:3b (all three serve it), the
        # answer on qwen2.5:7b, which the third server lacks.
        route_to_general(server, complexity="complex")
        server.set_default(Reply(content="A fine answer.", first_token_delay=0.05))
    gateway = live_gateway_factory(OLLAMA_URLS=",".join(server.url for server in servers))
    statuses: list[int] = []
    sent = 0

    def chat(index: int) -> int:
        with httpx.Client(base_url=gateway.url, headers=bearer(user), timeout=60) as http:
            return http.post("/api/chat/", json={"query": f"Question {index}?"}).status_code

    def load(count: int) -> None:
        nonlocal sent
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses.extend(pool.map(chat, range(sent, sent + count)))
        sent += count

    def backends() -> dict[str, dict]:
        with httpx.Client(base_url=gateway.url, headers=bearer(admin_user), timeout=30) as http:
            rows = http.get("/api/admin/backends").json()["backends"]
        return {row["url"]: row for row in rows}

    load(12)
    stopped = servers[1]
    stopped.stop()
    load(12)
    assert backends()[stopped.url]["state"] in ("down", "open")
    stopped.start()
    back_from = len(stopped.chat_requests)
    deadline = time.monotonic() + 30
    while len(stopped.chat_requests) == back_from:  # it gets traffic again within 30 s
        assert time.monotonic() < deadline, "the restarted backend got no traffic in 30 s"
        load(4)
    assert backends()[stopped.url]["state"] in ("up", "half_open")

    assert statuses == [200] * sent  # every chat succeeded, none was lost
    rows = backends()
    assert rows[servers[2].url]["served_models"] == ["llama3.2:3b"]
    qwen_on_third = [r for r in servers[2].chat_requests if r.body["model"] == "qwen2.5:7b"]
    assert qwen_on_third == []  # never sent a model it lacks
    ledger = list(UsageRecord.objects.values_list("compute_seconds", flat=True))
    assert len(ledger) == sent
    assert sum(ledger) == pytest.approx(compute_reported(servers), rel=1e-6)
    report = io.StringIO()
    call_command("usage_report", "--format", "json", stdout=report)
    totals = json.loads(report.getvalue())["totals"]
    assert totals["compute_seconds"] == pytest.approx(compute_reported(servers), rel=1e-6)
