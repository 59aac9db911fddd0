"""Conversation fixtures on top of the root personas."""

from __future__ import annotations

import pytest

from conversations.services import conversation_create, message_add
from conversations.tests.constants import QUESTION


@pytest.fixture
def conversation(user):
    """Bob's conversation with one exchange: a question and a routed answer."""
    conversation = conversation_create(user=user)
    message_add(conversation=conversation, role="user", content=QUESTION)
    message_add(
        conversation=conversation,
        role="assistant",
        content="Paris.",
        intent="general",
        model="llama3.2:3b",
        prompt_tokens=12,
        completion_tokens=3,
    )
    return conversation


@pytest.fixture
def foreign_conversation(outsider):
    """Mallory's conversation, which Bob must never see."""
    return conversation_create(user=outsider, title="mallory's secrets")
