"""/v1 and /ollama on a live gateway in front of two backends, through the real clients
(openai SDK, ollama library): a backend answering 500 hands each call to the other before
its first token and is charged the failure; a model one backend lacks is never sent there;
the ledger row's compute seconds are what the backend that answered reported.

Each test starts its own gateway, so its fleet is fresh: the broken backend, first in
OLLAMA_URLS, is the one picked first (ties go to the least recently used, then in order).
"""

from __future__ import annotations

import httpx
import ollama as ollama_lib
import openai
import pytest

from metrics.models import UsageRecord
from ollama_testserver import Reply, embedding_for
from routing.tests.chat.helpers import bearer

pytestmark = pytest.mark.slow
MODEL = "qwen2.5:7b"  # served by the first two test servers, not by the third
ANSWER = "The answer, from the healthy backend."
NS = 1e9
MESSAGES = [{"role": "user", "content": "Why is the sky blue?"}]


@pytest.fixture
def key(user) -> str:
    from accounts.services import api_key_create

    user.quota_per_minute = 1000
    user.save(update_fields=["quota_per_minute"])
    return api_key_create(user=user, name="client").raw_key


def start(live_gateway_factory, *backends):
    return live_gateway_factory(OLLAMA_URLS=",".join(server.url for server in backends))


def v1(gateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=key, max_retries=0)


def native(gateway, key: str) -> ollama_lib.Client:
    return ollama_lib.Client(
        host=f"{gateway.url}/ollama", headers={"Authorization": f"Bearer {key}"}
    )


def failures(gateway, admin_user) -> dict[str, int]:
    with httpx.Client(base_url=gateway.url, headers=bearer(admin_user), timeout=30) as http:
        rows = http.get("/api/admin/backends").json()["backends"]
    return {row["url"]: row["failures"] for row in rows}


def compute_reported(server) -> float:
    return sum(
        (m.load_duration + m.prompt_eval_duration + m.eval_duration) / NS
        for m in server.reported_metrics
    )


def v1_chat(gateway, key: str) -> str:
    return v1(gateway, key).chat.completions.create(model=MODEL, messages=MESSAGES)


def v1_streamed(gateway, key: str) -> str:
    stream = v1(gateway, key).chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def ollama_streamed(gateway, key: str) -> str:
    chunks = native(gateway, key).chat(model=MODEL, messages=MESSAGES, stream=True)
    return "".join(chunk.message.content or "" for chunk in chunks)


CHATS = {
    "/v1 chat": ("openai", lambda g, k: v1_chat(g, k).choices[0].message.content),
    "/v1 chat streamed": ("openai", v1_streamed),
    "/ollama chat streamed": ("ollama", ollama_streamed),
}


@pytest.mark.parametrize(("api", "chat"), CHATS.values(), ids=CHATS.keys())
def test_a_chat_fails_over_before_its_first_token_and_meters_the_answer(
    pair, live_gateway_factory, key, admin_user, api, chat
):
    broken, healthy = pair
    broken.set_default(Reply(fault="http_500"))
    healthy.set_default(Reply(content=ANSWER))
    gateway = start(live_gateway_factory, broken, healthy)

    assert chat(gateway, key) == ANSWER

    assert [len(broken.chat_requests), len(healthy.chat_requests)] == [1, 1]
    assert failures(gateway, admin_user) == {broken.url: 1, healthy.url: 0}
    [row] = UsageRecord.objects.filter(api=api)
    assert (row.model, row.outcome) == (MODEL, "ok")
    assert row.compute_seconds == pytest.approx(compute_reported(healthy), rel=1e-9)
    assert row.compute_seconds > 0


def test_an_embedding_fails_over_before_its_answer(pair, live_gateway_factory, key, admin_user):
    broken, healthy = pair
    broken.fail("/api/embed")
    gateway = start(live_gateway_factory, broken, healthy)

    result = native(gateway, key).embed(model=MODEL, input="hello world")

    assert result.embeddings == [pytest.approx(embedding_for(MODEL, "hello world"), abs=1e-6)]
    assert [embeds(broken), embeds(healthy)] == [1, 1]
    assert failures(gateway, admin_user) == {broken.url: 1, healthy.url: 0}


def embeds(server) -> int:
    return sum(1 for r in server.requests if r.path == "/api/embed")


def test_a_model_one_backend_lacks_is_sent_only_to_the_other(servers, live_gateway_factory, key):
    lacking, serving = servers[2], servers[0]  # the third lacks MODEL
    gateway = start(live_gateway_factory, lacking, serving)

    for _ in range(2):
        assert v1_chat(gateway, key).choices[0].message.content
        assert v1_streamed(gateway, key)
        assert ollama_streamed(gateway, key)
        assert native(gateway, key).embed(model=MODEL, input="hi").embeddings

    assert not [r for r in lacking.requests if (r.body or {}).get("model") == MODEL]
    assert len(serving.chat_requests) == 6
    assert embeds(serving) == 2
