"""The async services the chat pipeline calls, and their sync twins."""

from __future__ import annotations

import uuid

import pytest

from conversations.models import Conversation, Message
from conversations.selectors import ConversationNotFound
from conversations.services import (
    aconversation_create,
    aconversation_get_for_user,
    amessage_add,
    conversation_create,
    message_add,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_connections"),
]

QUESTION = "How do transformers handle very long documents in practice?"


async def test_it_creates_a_conversation_asynchronously(user):
    conversation = await aconversation_create(user=user)

    stored = await Conversation.objects.aget(id=conversation.id)
    assert stored.user_id == user.id
    assert stored.title == ""


async def test_it_gets_the_users_own_conversation(user):
    conversation = await aconversation_create(user=user, title="mine")

    found = await aconversation_get_for_user(user=user, conversation_id=str(conversation.id))

    assert found.id == conversation.id


@pytest.mark.parametrize("conversation_id", [uuid.uuid4(), "not-a-uuid", None])
async def test_it_treats_unknown_and_malformed_ids_as_not_found(user, conversation_id):
    with pytest.raises(ConversationNotFound) as raised:
        await aconversation_get_for_user(user=user, conversation_id=conversation_id)

    assert raised.value.status_code == 404
    assert raised.value.get_codes() == "not_found"


async def test_it_treats_another_users_conversation_as_not_found(user, outsider):
    foreign = await aconversation_create(user=outsider, title="theirs")

    with pytest.raises(ConversationNotFound):
        await aconversation_get_for_user(user=user, conversation_id=foreign.id)


async def test_it_titles_a_conversation_after_its_first_question(user):
    conversation = await aconversation_create(user=user)

    await amessage_add(conversation=conversation, role="user", content=QUESTION)
    await amessage_add(conversation=conversation, role="user", content="A second question")

    stored = await Conversation.objects.aget(id=conversation.id)
    assert stored.title == QUESTION[:30]
    assert conversation.title == QUESTION[:30]


async def test_it_keeps_a_title_the_user_chose(user):
    conversation = await aconversation_create(user=user, title="Research")

    await amessage_add(conversation=conversation, role="user", content=QUESTION)

    assert (await Conversation.objects.aget(id=conversation.id)).title == "Research"


async def test_it_stores_an_assistant_message_and_bumps_activity(user):
    conversation = await aconversation_create(user=user)

    message = await amessage_add(
        conversation=conversation,
        role="assistant",
        content="An answer",
        intent="analysis",
        model="qwen2.5:7b",
        prompt_tokens=100,
        completion_tokens=40,
        interrupted=True,
    )

    stored = await Message.objects.aget(id=message.id)
    assert (stored.intent, stored.model, stored.total_tokens) == ("analysis", "qwen2.5:7b", 140)
    assert stored.interrupted is True
    conversation_row = await Conversation.objects.aget(id=conversation.id)
    assert conversation_row.last_activity_at == message.created_at
    assert conversation_row.title == ""


async def test_it_refuses_an_unknown_role(user):
    conversation = await aconversation_create(user=user)

    with pytest.raises(ValueError, match="role"):
        await amessage_add(conversation=conversation, role="system", content="hi")

    assert await Message.objects.acount() == 0


async def test_it_titles_on_one_line_without_surrounding_space(user):
    conversation = await aconversation_create(user=user)

    await amessage_add(conversation=conversation, role="user", content="  Hello\n\n  world  ")

    assert (await Conversation.objects.aget(id=conversation.id)).title == "Hello world"


def test_it_adds_a_message_with_one_insert_and_one_update(user, django_assert_num_queries):
    conversation = conversation_create(user=user)

    with django_assert_num_queries(4) as captured:
        message_add(conversation=conversation, role="user", content=QUESTION)

    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert statements == ["BEGIN", "INSERT", "UPDATE", "COMMIT"]
