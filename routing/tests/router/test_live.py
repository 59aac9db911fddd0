"""As a newcomer with `make fake-ollama` sees it: a live gateway with the pre-router on, in
front of the (keyword-classifying) Ollama test server."""

from __future__ import annotations

import httpx
import pytest

from metrics.models import UsageRecord
from routing.tests.agent.server_script import is_classifier
from routing.tests.chat.helpers import bearer, collect_stream

CHAT = "/api/chat/"
STREAM = "/api/chat/stream"


@pytest.mark.slow
def test_clear_questions_skip_the_classifier_and_unclear_ones_do_not(
    live_gateway_factory, ollama_server, user
):
    user.quota_per_minute = 1000
    user.save(update_fields=["quota_per_minute"])
    gateway = live_gateway_factory(ROUTER_ENABLED="1")
    with httpx.Client(base_url=gateway.url, headers=bearer(user), timeout=60) as client:
        clear = client.post(CHAT, json={"query": "오늘 서울 날씨 알려줘"})
        assert clear.status_code == 200, clear.text
        assert (clear.json()["router"], clear.json()["intent"]) == ("fast", "search")
        assert not [r for r in ollama_server.chat_requests if is_classifier(r.body)]

        unclear = client.post(CHAT, json={"query": "hmm and the score?"})
        assert unclear.status_code == 200, unclear.text
        assert (unclear.json()["router"], unclear.json()["intent"]) == ("llm", "search")
        assert len([r for r in ollama_server.chat_requests if is_classifier(r.body)]) == 1

        items = collect_stream(client, STREAM, json={"query": "What is a neutron star?"})
        meta = next(item for item in items if item.event == "meta")
        assert (meta.data["router"], meta.data["intent"]) == ("fast", "general")

    routers = sorted(UsageRecord.objects.values_list("router", flat=True))
    assert routers == ["fast", "fast", "llm"]
