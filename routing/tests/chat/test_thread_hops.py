"""How many thread hops a request makes (issue 11: at most two per chat, authentication as
one async query; a /v1 or /ollama call none). Counted in process, with the statements that
may run on the event loop doing so (DB_ASYNC_QUERIES on, committed rows).

A turn's phases that only write are one statement each on the event loop, so a chat in a new
conversation makes no hop; opening a stored conversation reads it (locked) and its history
in one hop."""

from __future__ import annotations

import pytest
from asgiref.sync import SyncToAsync
from django.test import AsyncClient
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_key_create
from conversations.models import Message
from core import async_db

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def raw_key(chat_user) -> str:
    created = api_key_create(user=chat_user, name="hops")
    # Used a moment ago: recording its use is not due (that write is a hop, once a minute).
    ApiKey.objects.filter(pk=created.api_key.pk).update(last_used_at=timezone.now())
    return created.raw_key


@pytest.fixture
async def hops(settings, monkeypatch):
    """The gateway's own hops (Django's test handler and signal receivers left out)."""
    settings.DB_ASYNC_QUERIES = True
    # As in production (DEBUG off): WhiteNoise serves from its file map, not a disk lookup
    # per request (a hop that only DEBUG's autorefresh makes).
    settings.WHITENOISE_AUTOREFRESH = False
    counted: list[str] = []
    real_call = SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        module = getattr(self.func, "__module__", "") or ""
        if not module.startswith("django."):
            counted.append(f"{module}.{getattr(self.func, '__qualname__', self.func)}")
        return await real_call(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    yield counted
    await async_db.close_pool()


async def test_a_v1_call_makes_no_thread_hop(raw_key, ollama, hops):
    response = await AsyncClient().post(
        "/v1/chat/completions",
        {"model": "llama3.2:3b", "messages": [{"role": "user", "content": "A cat's name?"}]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw_key}"},
    )

    assert response.status_code == 200, response.content
    assert hops == []


async def ask(raw_key: str, query: str, **fields):
    return await AsyncClient().post(
        "/api/chat/",
        {"query": query, **fields},
        content_type="application/json",
        headers={"X-API-Key": raw_key},
    )


async def test_a_chat_in_a_new_conversation_makes_no_thread_hop(raw_key, ollama, hops):
    response = await ask(raw_key, "A good name for a cat?")

    assert response.status_code == 200, response.content
    assert hops == []
    stored = Message.objects.filter(conversation_id=response.json()["conversation_id"])
    assert [role async for role in stored.values_list("role", flat=True)] == ["user", "assistant"]


async def test_a_chat_in_a_stored_conversation_makes_one_thread_hop_to_open_it(
    raw_key, ollama, hops
):
    first = await ask(raw_key, "A good name for a cat?")
    hops.clear()
    response = await ask(raw_key, "And for a dog?", conversation_id=first.json()["conversation_id"])

    assert response.status_code == 200, response.content
    assert hops == ["routing.chat.persistence._turn_open"]


async def test_a_cache_hit_on_a_new_conversation_makes_no_thread_hop(raw_key, ollama, hops):
    first = await ask(raw_key, "A good name for a dog?")
    hops.clear()
    hit = await ask(raw_key, "A good name for a dog?")

    assert first.status_code == hit.status_code == 200, hit.content
    assert hit.json()["cached"] is True
    # Nothing to read when it opens: the question is stored with the answer, at the close.
    assert hops == []
    stored = Message.objects.filter(conversation_id=hit.json()["conversation_id"])
    assert [role async for role in stored.values_list("role", flat=True)] == ["user", "assistant"]
