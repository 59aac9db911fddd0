"""What a turn's two database phases send (routing/chat/persistence.py): each statement is
a round trip to PostgreSQL on every chat, so a phase that only writes is one statement (its
rows and UPDATE combined), and none is spent on savepoints or on a transaction around it.

Through Django's connection here (DB_ASYNC_QUERIES off in-process), so the statements can be
counted; on the event loop they are the same statements (core/tests/test_async_db.py).
"""

from __future__ import annotations

import re

import pytest
from asgiref.sync import async_to_sync

from conversations.models import Message
from metrics.models import UsageRecord
from metrics.tests.usage_data import usage_entry
from routing.answer import Answer
from routing.chat import persistence
from routing.chat.persistence import Closing

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER = Answer(response="Whiskers.", intent="general", model="llama3.2:3b", prompt_tokens=9)


def usage_for(user, conversation=None):
    return usage_entry(user, conversation_id=getattr(conversation, "pk", None))


def statements(captured) -> list[str]:
    return [query["sql"].split()[0] for query in captured.captured_queries]


def modified_tables(captured) -> list[str]:
    """The tables one captured statement writes, in the order it names them."""
    (query,) = captured.captured_queries
    return re.findall(r'(?:INSERT INTO|UPDATE) "(\w+)"', query["sql"])


def turn_open(user, conversation_id, query: str):
    return async_to_sync(persistence.turn_open)(
        user=user, conversation_id=conversation_id, query=query
    )


def turn_close(closing: Closing):
    return async_to_sync(persistence.turn_close)(closing)


def test_opening_a_new_conversation_is_one_statement(user, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        conversation, history = turn_open(user, None, "A good name for a cat?")

    # Born with its question's title and time (stored after it): no activity UPDATE, and
    # only INSERTs, so one statement and no transaction around it.
    assert statements(captured) == ["WITH"]
    assert modified_tables(captured) == ["conversations_message", "conversations_conversation"]
    assert history == []
    conversation.refresh_from_db()
    question = Message.objects.get(conversation=conversation)
    assert (conversation.title, question.role, question.content) == (
        "A good name for a cat?",
        "user",
        "A good name for a cat?",
    )
    assert conversation.last_activity_at >= question.created_at


def test_opening_a_stored_conversation(user, django_assert_num_queries):
    conversation, _ = turn_open(user, None, "A good name for a cat?")

    with django_assert_num_queries(6) as captured:
        _, history = persistence._turn_open(user, conversation.pk, "And for a dog?")

    # The locked lookup, its history, the question and the activity UPDATE.
    assert statements(captured) == ["BEGIN", "SELECT", "SELECT", "INSERT", "UPDATE", "COMMIT"]
    assert [turn["content"] for turn in history] == ["A good name for a cat?"]


def test_closing_a_turn_in_its_conversation_is_one_statement(user, django_assert_num_queries):
    conversation, _ = turn_open(user, None, "A good name for a cat?")

    with django_assert_num_queries(1) as captured:
        turn_close(Closing(conversation, ANSWER, usage_for(user, conversation)))

    # The answer, the activity UPDATE (which locks the row against a delete) and the
    # ledger row.
    assert statements(captured) == ["WITH"]
    assert modified_tables(captured) == [
        "conversations_message",
        "conversations_conversation",
        "metrics_usagerecord",
    ]
    question, answer = Message.objects.filter(conversation=conversation)
    assert (answer.role, answer.content, answer.model) == ("assistant", "Whiskers.", "llama3.2:3b")
    conversation.refresh_from_db()
    assert conversation.last_activity_at == answer.created_at > question.created_at
    assert UsageRecord.objects.get().conversation_id == conversation.pk


def test_closing_without_an_answer_checks_the_conversation_is_still_there(
    user, django_assert_num_queries
):
    conversation, _ = turn_open(user, None, "A good name for a cat?")

    # The model failed: nothing to store but the ledger row, linked if the conversation is.
    with django_assert_num_queries(4) as captured:
        turn_close(Closing(conversation, None, usage_for(user, conversation)))

    assert statements(captured) == ["BEGIN", "SELECT", "INSERT", "COMMIT"]
    assert UsageRecord.objects.get().conversation_id == conversation.pk


def test_closing_a_cache_hit_on_a_new_conversation_stores_the_whole_exchange_at_once(
    user, django_assert_num_queries
):
    with django_assert_num_queries(1) as captured:
        conversation = turn_close(
            Closing(None, ANSWER, usage_for(user), question="A good name for a cat?", user=user)
        )

    # The question, the answer, their conversation (born with the answer's time: no
    # activity UPDATE) and the ledger row: one statement, where two hops spent nine.
    assert statements(captured) == ["WITH"]
    assert modified_tables(captured) == [
        "conversations_message",
        "conversations_message",
        "conversations_conversation",
        "metrics_usagerecord",
    ]
    conversation.refresh_from_db()
    question, answer = Message.objects.filter(conversation=conversation)
    assert (question.role, question.content) == ("user", "A good name for a cat?")
    assert (answer.role, answer.content, answer.model) == ("assistant", "Whiskers.", "llama3.2:3b")
    assert conversation.title == "A good name for a cat?"
    assert conversation.last_activity_at >= answer.created_at > question.created_at
    assert UsageRecord.objects.get().conversation_id == conversation.pk


def test_closing_an_abandoned_cache_hit_stores_its_question_and_ledger_row(user):
    # The client left while the hit was being admitted: nothing was sent, nothing answered.
    conversation = turn_close(
        Closing(None, None, usage_for(user), True, question="A good name for a cat?", user=user)
    )

    assert list(Message.objects.values_list("conversation_id", "role")) == [
        (conversation.pk, "user")
    ]
    assert UsageRecord.objects.get().conversation_id == conversation.pk


def test_closing_a_stateless_turn_is_one_insert(user, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        turn_close(Closing(None, ANSWER, usage_for(user)))

    assert statements(captured) == ["INSERT"]
    assert UsageRecord.objects.get().prompt_tokens == 9
