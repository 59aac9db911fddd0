"""GET, PATCH and DELETE /api/conversations/{id}: read, rename, delete, ownership."""

from __future__ import annotations

import uuid

import pytest

from conversations.models import Conversation, Message
from conversations.selectors import CONVERSATION_NOT_FOUND
from conversations.tests.constants import QUESTION, TITLE


def _url(conversation_id) -> str:
    return f"/api/conversations/{conversation_id}"


def _assert_not_found(response) -> None:
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "request_id" in response.json()


@pytest.mark.django_db
def test_it_returns_the_conversation_with_its_messages_in_order(user_client, conversation):
    response = user_client.get(_url(conversation.id))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(conversation.id)
    assert body["message_count"] == 2
    question, answer = body["messages"]
    assert set(question) == {"id", "role", "content", "created_at"}
    assert question["role"] == "user"
    assert question["content"] == QUESTION
    assert answer == answer | {
        "role": "assistant",
        "content": "Paris.",
        "intent": "general",
        "model": "llama3.2:3b",
        "prompt_tokens": 12,
        "completion_tokens": 3,
        "total_tokens": 15,
        "interrupted": False,
    }


@pytest.mark.django_db
def test_it_renames_a_conversation(user_client, conversation):
    response = user_client.patch(_url(conversation.id), {"title": "  Geography  "}, format="json")

    assert response.status_code == 200
    assert response.json()["title"] == "Geography"
    conversation.refresh_from_db()
    assert conversation.title == "Geography"


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"title": ""}, {"title": "   "}, {"title": "x" * 201}, {}])
def test_it_rejects_an_invalid_title(user_client, conversation, body):
    response = user_client.patch(_url(conversation.id), body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "title" in response.json()["error"]["details"]
    conversation.refresh_from_db()
    assert conversation.title == TITLE


@pytest.mark.django_db
def test_it_deletes_a_conversation_with_its_messages(user_client, conversation):
    response = user_client.delete(_url(conversation.id))

    assert response.status_code == 204
    assert not Conversation.objects.filter(id=conversation.id).exists()
    assert not Message.objects.filter(conversation_id=conversation.id).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_it_hides_another_users_conversation(outsider_client, conversation, method):
    response = getattr(outsider_client, method)(
        _url(conversation.id), {"title": "mine now"}, format="json"
    )

    _assert_not_found(response)
    assert response.json()["error"]["message"] == CONVERSATION_NOT_FOUND
    conversation.refresh_from_db()
    assert conversation.title == TITLE
    assert conversation.messages.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_it_answers_an_unknown_id_with_404(user_client, method):
    response = getattr(user_client, method)(_url(uuid.uuid4()), {"title": "t"}, format="json")

    _assert_not_found(response)


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "%20"])
def test_it_answers_a_malformed_id_with_404(user_client, bad_id):
    _assert_not_found(user_client.get(_url(bad_id)))


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_it_requires_authentication(api_client, conversation, method):
    response = getattr(api_client, method)(_url(conversation.id))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert Conversation.objects.filter(id=conversation.id).exists()
