"""A conversation deleted while a turn writes into it, with the two transactions really
interleaved on two PostgreSQL connections: the delete waits for the turn's row lock, and
neither side fails on the foreign keys the other changed.

Each case holds one transaction open at a chosen point (a thread waiting on an Event),
waits until the other is blocked on its lock (pg_stat_activity), then lets it commit.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection, connections, transaction

from conversations.models import Conversation, Message
from conversations.selectors import ConversationNotFound
from conversations.services import conversation_create, conversation_delete, message_add
from core import async_db
from metrics.models import UsageRecord
from routing.answer import Answer
from routing.chat import persistence
from routing.chat.persistence import Closing
from routing.tests.chat.test_persistence_statements import usage_for

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER = Answer(response="Whiskers.", intent="general", model="llama3.2:3b", prompt_tokens=9)
WAIT_SECONDS = 10.0


def in_thread(fn: Callable[[], object]) -> Future:
    """Run `fn` on its own thread (so on its own database connection), closed after."""

    def run():
        try:
            return fn()
        finally:
            connection.close()

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future


def wait_until_blocked_on_a_lock() -> None:
    """Until another connection of this database waits for a row lock."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    raise AssertionError("nobody waited for the lock")


@pytest.fixture
def conversation(user):
    conversation = conversation_create(user=user, title="cats")
    message_add(conversation=conversation, role="user", content="A good name for a cat?")
    return conversation


def deleted_and_held(conversation: Conversation) -> tuple[Future, threading.Event]:
    """The conversation deleted by another connection whose transaction stays open until
    the returned event is set; returns once the delete has run."""
    deleted, release = threading.Event(), threading.Event()

    def deleting():
        with transaction.atomic():
            conversation_delete(conversation=conversation)
            deleted.set()
            assert release.wait(WAIT_SECONDS)

    delete = in_thread(deleting)
    assert deleted.wait(WAIT_SECONDS)
    return delete, release


def loaded(conversation: Conversation) -> Conversation:
    """The turn's own copy (Django clears the pk of the instance it deletes)."""
    return Conversation.objects.get(pk=conversation.pk)


# The close's two ways: one statement (the usual), or one at a time (the careful way, after
# the one statement found the conversation gone). In-process (DB_ASYNC_QUERIES off) the one
# statement runs on the calling thread's connection, so a transaction around either holds
# its row lock until the test releases it.
CLOSES = {
    "one statement": lambda closing: async_to_sync(persistence.turn_close)(closing),
    "careful": persistence._turn_close,
}


@pytest.mark.parametrize("close", CLOSES.values(), ids=CLOSES.keys())
def test_a_delete_waits_for_a_turn_storing_its_answer_and_takes_it_along(user, conversation, close):
    stored, release = threading.Event(), threading.Event()

    turns_copy = loaded(conversation)

    def closing_turn():
        # The close phase of routing/chat/persistence.py, held open before its commit.
        with transaction.atomic():
            close(Closing(turns_copy, ANSWER, usage_for(user, turns_copy)))
            stored.set()
            assert release.wait(WAIT_SECONDS)

    turn = in_thread(closing_turn)
    assert stored.wait(WAIT_SECONDS)
    delete = in_thread(lambda: conversation_delete(conversation=conversation))
    wait_until_blocked_on_a_lock()
    release.set()

    turn.result(WAIT_SECONDS)
    delete.result(WAIT_SECONDS)  # no IntegrityError from the turn's new rows
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not Message.objects.exists()
    row = UsageRecord.objects.get()
    assert (row.conversation_id, row.prompt_tokens) == (None, 9)


def test_a_turn_opening_in_a_conversation_being_deleted_is_a_404(user, conversation):
    conversation_id = conversation.pk
    delete, release = deleted_and_held(conversation)
    opening = in_thread(lambda: persistence._turn_open(user, conversation_id, "And a dog?"))
    wait_until_blocked_on_a_lock()
    release.set()

    delete.result(WAIT_SECONDS)
    with pytest.raises(ConversationNotFound):
        opening.result(WAIT_SECONDS)
    assert not Message.objects.exists()


def test_a_turn_closing_in_a_conversation_deleted_first_keeps_only_its_ledger_row(
    user, conversation
):
    turns_copy = loaded(conversation)
    delete, release = deleted_and_held(conversation)
    closing = in_thread(
        lambda: persistence._turn_close(Closing(turns_copy, ANSWER, usage_for(user, turns_copy)))
    )
    wait_until_blocked_on_a_lock()
    release.set()

    delete.result(WAIT_SECONDS)
    closing.result(WAIT_SECONDS)
    assert not Message.objects.exists()
    assert UsageRecord.objects.get().conversation_id is None


# The usual close: the answer, the activity UPDATE and the ledger row in one statement
# (`persistence.turn_close`), on the event loop's pool as in production.


def closed_on_the_loop(closing: Closing) -> Conversation | None:
    """`persistence.turn_close` on an event loop of its own, its statement on that loop's
    connection pool (DB_ASYNC_QUERIES on)."""

    async def close():
        try:
            return await persistence.turn_close(closing)
        finally:
            await async_db.close_pool()
            # The careful close's hop ran on asgiref's own thread: its connection too.
            await sync_to_async(connections.close_all)()

    return asyncio.run(close())


@pytest.fixture
def on_the_loop(settings):
    settings.DB_ASYNC_QUERIES = True


def test_a_one_statement_close_in_a_conversation_deleted_first_keeps_only_its_ledger_row(
    user, conversation, on_the_loop
):
    turns_copy = loaded(conversation)
    delete, release = deleted_and_held(conversation)
    # Waits on the delete's lock, then its answer's foreign key fails the statement; the
    # careful close finds the conversation gone.
    closing = in_thread(
        lambda: closed_on_the_loop(Closing(turns_copy, ANSWER, usage_for(user, turns_copy)))
    )
    wait_until_blocked_on_a_lock()
    release.set()

    delete.result(WAIT_SECONDS)
    assert closing.result(WAIT_SECONDS) == turns_copy
    assert not Message.objects.exists()
    row = UsageRecord.objects.get()
    assert (row.conversation_id, row.prompt_tokens) == (None, 9)


def test_a_one_statement_close_stores_the_answer_and_its_ledger_row_on_the_loop(
    user, conversation, on_the_loop
):
    turns_copy = loaded(conversation)

    closed_on_the_loop(Closing(turns_copy, ANSWER, usage_for(user, turns_copy)))

    assert list(
        Message.objects.filter(conversation=conversation).values_list("role", flat=True)
    ) == ["user", "assistant"]
    assert UsageRecord.objects.get().conversation_id == conversation.pk
