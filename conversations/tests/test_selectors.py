"""Reads: the agent's history window, and detail lookups by owner."""

from __future__ import annotations

import pytest

from conversations.selectors import (
    ConversationNotFound,
    conversation_detail_for_user,
    conversation_list_for_user,
    history_for_conversation,
)
from conversations.services import conversation_create, message_add


def _conversation_with_turns(user, turns: int):
    conversation = conversation_create(user=user)
    for number in range(turns):
        message_add(conversation=conversation, role="user", content=f"q{number}")
        message_add(conversation=conversation, role="assistant", content=f"a{number}")
    return conversation


@pytest.mark.django_db
def test_it_returns_the_history_oldest_first(user):
    conversation = _conversation_with_turns(user, 2)

    history = history_for_conversation(conversation=conversation, limit=20)

    assert history == [
        {"role": "user", "content": "q0"},
        {"role": "assistant", "content": "a0"},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
    ]


@pytest.mark.django_db
def test_it_keeps_only_the_last_messages_of_a_long_history(user):
    conversation = _conversation_with_turns(user, 3)

    history = history_for_conversation(conversation=conversation, limit=3)

    assert [turn["content"] for turn in history] == ["a1", "q2", "a2"]
    assert history_for_conversation(conversation=conversation, limit=0) == []


@pytest.mark.django_db
def test_it_leaves_empty_interrupted_answers_out_of_the_history(user):
    conversation = _conversation_with_turns(user, 1)
    message_add(conversation=conversation, role="user", content="q1")
    message_add(conversation=conversation, role="assistant", content="", interrupted=True)

    history = history_for_conversation(conversation=conversation, limit=20)

    assert [turn["content"] for turn in history] == ["q0", "a0", "q1"]


@pytest.mark.django_db
def test_it_prefetches_messages_in_two_queries(user, conversation, django_assert_num_queries):
    with django_assert_num_queries(2):
        detail = conversation_detail_for_user(user=user, conversation_id=conversation.id)
        roles = [message.role for message in detail.messages.all()]

    assert roles == ["user", "assistant"]


@pytest.mark.django_db
def test_it_hides_a_conversation_from_its_non_owner(outsider, conversation):
    with pytest.raises(ConversationNotFound):
        conversation_detail_for_user(user=outsider, conversation_id=conversation.id)


@pytest.mark.django_db
def test_it_lists_nothing_for_a_user_without_conversations(outsider, conversation):
    assert list(conversation_list_for_user(user=outsider)) == []
