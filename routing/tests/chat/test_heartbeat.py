"""SSE heartbeats while the model is silent (in-process, with a short heartbeat interval)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient

from ollama_testserver import Reply
from routing.tests.chat.helpers import STREAM, bearer, is_answer_request, parse_block

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def _close_async_connections():
    """Close the async ORM's worker-thread connection so the test database can be dropped."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.mark.usefixtures("_close_async_connections")
async def test_heartbeats_are_sent_while_the_model_is_silent(ollama, chat_user, settings):
    settings.SSE_HEARTBEAT_SECONDS = 0.1
    ollama.add_rule(Reply(content="At last.", first_token_delay=1.0), when=is_answer_request)
    headers = bearer(chat_user)

    response = await AsyncClient().post(
        STREAM, {"query": "Take your time."}, "application/json", headers=headers
    )
    body = b"".join([chunk async for chunk in response.streaming_content]).decode()

    assert response.status_code == 200
    items = [parse_block(block) for block in body.split("\n\n") if block]
    kinds = [item.event or item.comment for item in items]
    first_token = kinds.index("token")
    assert "keep-alive" in kinds[:first_token]
    assert kinds[-1] == "done"
