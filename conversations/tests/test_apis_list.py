"""POST and GET /api/conversations/: create, list, paginate, order, count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import Conversation
from conversations.services import message_add
from conversations.tests.constants import TITLE

URL = "/api/conversations/"
ITEM_KEYS = {"id", "title", "created_at", "updated_at", "last_activity_at", "message_count"}


def _conversations(user, count: int) -> list[Conversation]:
    """`count` conversations whose activity is one hour apart, the first the most recent."""
    conversations = Conversation.objects.bulk_create(
        Conversation(user=user, title=f"c{i}") for i in range(count)
    )
    now = timezone.now()  # after the inserts, so a later message is newer than them all
    for hours, conversation in enumerate(conversations):
        conversation.last_activity_at = now - timedelta(hours=hours + 1)
    # `auto_now_add` overrides the value on insert, so the history is written afterwards.
    Conversation.objects.bulk_update(conversations, ["last_activity_at"])
    return conversations


@pytest.mark.django_db
def test_it_creates_a_conversation(user, user_client):
    response = user_client.post(URL, {"title": "Trip planning"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Trip planning"
    assert body["message_count"] == 0
    assert body["messages"] == []
    assert Conversation.objects.get(id=body["id"]).user == user


@pytest.mark.django_db
def test_it_creates_an_untitled_conversation_without_a_body(user_client):
    response = user_client.post(URL)

    assert response.status_code == 201
    assert response.json()["title"] == ""


@pytest.mark.django_db
def test_it_rejects_a_too_long_title_on_create(user_client):
    response = user_client.post(URL, {"title": "x" * 201}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "title" in response.json()["error"]["details"]


@pytest.mark.django_db
def test_it_lists_only_the_callers_conversations_with_message_counts(
    user_client, conversation, foreign_conversation
):
    response = user_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [item] = body["results"]
    assert set(item) == ITEM_KEYS
    assert item["id"] == str(conversation.id)
    assert item["title"] == TITLE
    assert item["message_count"] == 2


@pytest.mark.django_db
def test_it_moves_a_conversation_to_the_top_when_a_message_arrives(user, user_client):
    newest, middle, oldest = _conversations(user, 3)

    message_add(conversation=oldest, role="user", content="back to this one")

    ids = [item["id"] for item in user_client.get(URL).json()["results"]]
    assert ids == [str(oldest.id), str(newest.id), str(middle.id)]


@pytest.mark.django_db
def test_it_pages_twenty_at_a_time_by_default(user, user_client):
    conversations = _conversations(user, 25)

    first = user_client.get(URL).json()
    second = user_client.get(URL, {"page": 2}).json()

    assert first["count"] == 25
    assert [c["id"] for c in first["results"]] == [str(c.id) for c in conversations[:20]]
    assert [c["id"] for c in second["results"]] == [str(c.id) for c in conversations[20:]]
    assert first["next"].endswith("?page=2")
    assert second["next"] is None


@pytest.mark.django_db
def test_it_honours_page_size_up_to_one_hundred(user, user_client):
    _conversations(user, 101)

    assert len(user_client.get(URL, {"page_size": 5}).json()["results"]) == 5
    assert len(user_client.get(URL, {"page_size": 500}).json()["results"]) == 100


@pytest.mark.django_db
def test_it_answers_a_page_past_the_end_with_404(user_client, conversation):
    response = user_client.get(URL, {"page": 9})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_it_lists_in_a_constant_number_of_queries(user, user_client, conversation):
    with CaptureQueriesContext(connection) as one:
        user_client.get(URL)
    for extra in _conversations(user, 15):
        message_add(conversation=extra, role="user", content="hello")

    with CaptureQueriesContext(connection) as many:
        response = user_client.get(URL)

    assert len(response.json()["results"]) == 16
    assert len(many) == len(one)


@pytest.mark.django_db
def test_it_lists_in_at_most_four_queries(user, user_client, django_assert_max_num_queries):
    for extra in _conversations(user, 10):
        message_add(conversation=extra, role="user", content="hello")

    # Authentication, the page count and the page itself (one spare for the auth class).
    with django_assert_max_num_queries(4):
        user_client.get(URL)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_requires_authentication(api_client, method):
    response = getattr(api_client, method)(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
