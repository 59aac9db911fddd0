"""The conversation services the chat turn and the REST API call."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from conversations.models import Conversation, Message
from conversations.selectors import ConversationNotFound, conversation_get_for_user
from conversations.services import (
    conversation_create,
    conversation_start_rows,
    message_add,
    message_add_unless_deleted,
)
from core.rows import execute_together, insert_statement

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "How do transformers handle very long documents in practice?"


def test_it_creates_a_conversation(user):
    conversation = conversation_create(user=user)

    stored = Conversation.objects.get(id=conversation.id)
    assert stored.user_id == user.id
    assert stored.title == ""


def test_it_gets_the_users_own_conversation(user):
    conversation = conversation_create(user=user, title="mine")

    found = conversation_get_for_user(user=user, conversation_id=str(conversation.id))

    assert found.id == conversation.id


@pytest.mark.parametrize("conversation_id", [uuid.uuid4(), "not-a-uuid", None])
def test_it_treats_unknown_and_malformed_ids_as_not_found(user, conversation_id):
    with pytest.raises(ConversationNotFound) as raised:
        conversation_get_for_user(user=user, conversation_id=conversation_id)

    assert raised.value.status_code == 404
    assert raised.value.get_codes() == "not_found"


def test_it_treats_another_users_conversation_as_not_found(user, outsider):
    foreign = conversation_create(user=outsider, title="theirs")

    with pytest.raises(ConversationNotFound):
        conversation_get_for_user(user=user, conversation_id=foreign.id)


def test_it_titles_a_conversation_after_its_first_question(user):
    conversation = conversation_create(user=user)

    message_add(conversation=conversation, role="user", content=QUESTION)
    message_add(conversation=conversation, role="user", content="A second question")

    stored = Conversation.objects.get(id=conversation.id)
    assert stored.title == QUESTION[:30]
    assert conversation.title == QUESTION[:30]


def test_it_keeps_a_title_the_user_chose(user):
    conversation = conversation_create(user=user, title="Research")

    message_add(conversation=conversation, role="user", content=QUESTION)

    assert (Conversation.objects.get(id=conversation.id)).title == "Research"


def test_it_stores_an_assistant_message_and_bumps_activity(user):
    conversation = conversation_create(user=user)

    message = message_add(
        conversation=conversation,
        role="assistant",
        content="An answer",
        intent="analysis",
        model="qwen2.5:7b",
        prompt_tokens=100,
        completion_tokens=40,
        interrupted=True,
    )

    stored = Message.objects.get(id=message.id)
    assert (stored.intent, stored.model, stored.total_tokens) == ("analysis", "qwen2.5:7b", 140)
    assert stored.interrupted is True
    conversation_row = Conversation.objects.get(id=conversation.id)
    assert conversation_row.last_activity_at == message.created_at
    assert conversation_row.title == ""


def test_a_conversation_starts_with_its_question_as_title_and_activity(user):
    conversation, rows = conversation_start_rows(user=user, question=QUESTION)
    execute_together([insert_statement(row) for row in rows])
    question = rows[0]

    stored = Conversation.objects.get(id=conversation.id)
    assert stored.user_id == user.id
    assert stored.title == conversation.title == QUESTION[:30].rstrip()
    assert list(stored.messages.values_list("role", "content")) == [("user", QUESTION)]
    # Born in the same instant as its question (two INSERTs, no UPDATE), to the microsecond.
    assert abs(stored.last_activity_at - question.created_at).total_seconds() < 1


def test_it_refuses_an_unknown_role(user):
    conversation = conversation_create(user=user)

    with pytest.raises(ValueError, match="role"):
        message_add(conversation=conversation, role="system", content="hi")

    assert Message.objects.count() == 0


def test_it_titles_on_one_line_without_surrounding_space(user):
    conversation = conversation_create(user=user)

    message_add(conversation=conversation, role="user", content="  Hello\n\n  world  ")

    assert (Conversation.objects.get(id=conversation.id)).title == "Hello world"


def test_it_adds_a_message_with_one_insert_and_one_update(user, django_assert_num_queries):
    conversation = conversation_create(user=user)

    with django_assert_num_queries(4) as captured:
        message_add(conversation=conversation, role="user", content=QUESTION)

    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert statements == ["BEGIN", "INSERT", "UPDATE", "COMMIT"]


def test_inside_a_turns_transaction_a_message_costs_no_savepoint(user, django_assert_num_queries):
    conversation = conversation_create(user=user)

    with django_assert_num_queries(6) as captured, transaction.atomic():
        message_add(conversation=conversation, role="user", content=QUESTION)
        message_add_unless_deleted(conversation=conversation, role="assistant", content="Hi.")

    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert statements == ["BEGIN", "INSERT", "UPDATE", "INSERT", "UPDATE", "COMMIT"]


def test_a_message_for_a_deleted_conversation_is_not_stored_and_the_turn_goes_on(user):
    conversation = conversation_create(user=user)
    Conversation.objects.filter(pk=conversation.pk).delete()  # by another request, meanwhile

    with transaction.atomic():
        stored = message_add_unless_deleted(
            conversation=conversation, role="assistant", content="Too late."
        )
        # The turn's transaction is still usable: the ledger row is written after this.
        still_usable = Conversation.objects.filter(user=user).count()

    assert stored is None
    assert still_usable == 0
    assert not Message.objects.filter(content="Too late.").exists()
