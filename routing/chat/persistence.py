"""Database work of a chat turn: opening it (the conversation, its history, the question)
and closing it (the answer and the usage ledger row).

Each phase that only writes is one statement, run on the event loop (core/async_db.py):
its rows and UPDATE combined (`core.rows.combined`), so the phase costs one round trip and
no thread hop, all of it stored or none. That is a new conversation's opening (its question
and the conversation), the close of a turn in a conversation (the answer, the activity
UPDATE, the ledger row), a cache hit on a new conversation, which had nothing to read when
it opened (the conversation, question, answer and ledger row, at the close), and a
stateless turn's close (its ledger row).

A phase that reads (opening a stored conversation: the locked lookup and its history) runs
its statements in one thread hop inside a transaction, which then hands the request's
database connection back (to the pool, or closes it): the model takes seconds, and a
hundred waiting chats must not hold a hundred PostgreSQL connections meanwhile.

A conversation deleted while its answer is being written is not an error: the answer is
still returned and billed; the ledger row then keeps no link to the conversation. The
combined close cannot see the deletion, so the answer's foreign key fails it as a whole,
and the close is done again the careful way (`_turn_close`, one hop).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from asgiref.sync import sync_to_async
from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from conversations.models import Conversation, MessageRole
from conversations.selectors import conversation_get_for_user, history_for_conversation
from conversations.services import (
    conversation_start_rows,
    conversation_still_exists,
    message_add,
    message_add_statements,
    message_add_unless_deleted,
)
from core.async_db import aexecute_together
from core.rows import insert_statement, inserted
from core.timing import timed
from metrics.usage import UsageEntry, ledger_awrite, ledger_statement, ledger_write
from routing.agent.runner import HISTORY_MAX_MESSAGES
from routing.answer import Answer


async def turn_open(*, user, conversation_id, query: str) -> tuple[Conversation, list[dict]]:
    """Store the question; returns its conversation and the history before it.

    With a `conversation_id`, that conversation (404 if unknown or foreign) and its stored
    turns; without one, a new conversation titled by the question.
    """
    with timed("db"):
        if conversation_id is None:
            conversation, rows = conversation_start_rows(user=user, question=query)
            await aexecute_together([insert_statement(row) for row in rows])
            _stored(rows)
            return conversation, []
        return await sync_to_async(_turn_open)(user, conversation_id, query)


@dataclass(frozen=True)
class Closing:
    """What closing a turn stores: the answer (if any, in its conversation if it still
    exists) and the ledger row."""

    conversation: Conversation | None
    answer: Answer | None
    usage: UsageEntry
    interrupted: bool = False
    # A conversation not stored yet (a cache hit on a new one, which had nothing to read
    # when it opened): started at the close with this question, by this user, in the same
    # statement as the answer and the ledger row.
    question: str | None = None
    user: Any = None


async def turn_close(closing: Closing) -> Conversation | None:
    """Store what `closing` holds; returns the turn's conversation."""
    with timed("db"):
        if closing.conversation is None and closing.question is None:
            await ledger_awrite(closing.usage)  # a stateless turn (/v1, /ollama)
            return None
        if closing.question is not None:
            return await _close_new_conversation(closing)
        if closing.answer is not None:
            try:
                return await _close_in_conversation(closing)
            except IntegrityError:
                pass  # deleted meanwhile, most likely: the careful way tells
        return await sync_to_async(_turn_close)(closing)


async def _close_new_conversation(closing: Closing) -> Conversation:
    """A conversation not stored yet, its question and answer, and the ledger row: only
    INSERTs, in one statement."""
    answer = closing.answer
    fields = _answer_fields(answer, closing.interrupted) if answer is not None else None
    conversation, rows = conversation_start_rows(
        user=closing.user, question=closing.question, answer=fields
    )
    usage = replace(closing.usage, conversation_id=conversation.pk)
    await aexecute_together([*(insert_statement(row) for row in rows), ledger_statement(usage)])
    _stored(rows)
    return conversation


async def _close_in_conversation(closing: Closing) -> Conversation:
    """The answer, the conversation's activity UPDATE and the ledger row, in one statement;
    IntegrityError if the conversation is gone (nothing is stored then)."""
    conversation = closing.conversation
    message, statements = message_add_statements(
        conversation=conversation,
        role=MessageRole.ASSISTANT,
        **_answer_fields(closing.answer, closing.interrupted),
    )
    await aexecute_together([*statements, ledger_statement(closing.usage)])
    _stored([message])
    return conversation


def _stored(rows: list[Model]) -> None:
    for row in rows:
        inserted(row)


def _turn_open(user, conversation_id, query: str) -> tuple[Conversation, list[dict]]:
    with transaction.atomic():
        # Locked: a conversation deleted meanwhile is a 404, never a foreign-key failure
        # at the commit.
        conversation = conversation_get_for_user(
            user=user, conversation_id=conversation_id, lock=True
        )
        history = history_for_conversation(conversation=conversation, limit=HISTORY_MAX_MESSAGES)
        message_add(conversation=conversation, role=MessageRole.USER, content=query)
    _release_connection()
    return conversation, history


def _turn_close(closing: Closing) -> Conversation:
    """The close, one statement at a time in one transaction: finds out whether the
    conversation is still there (and locks it) before storing into it."""
    conversation, answer, usage = closing.conversation, closing.answer, closing.usage
    with transaction.atomic():
        if answer is not None:
            present = message_add_unless_deleted(
                conversation=conversation,
                role=MessageRole.ASSISTANT,
                **_answer_fields(answer, closing.interrupted),
            )
        else:
            present = conversation_still_exists(conversation=conversation)
        if not present:
            usage = replace(usage, conversation_id=None)
        ledger_write(usage)
    return conversation


def _answer_fields(answer: Answer, interrupted: bool) -> dict:
    """The assistant message's fields."""
    return {
        # PostgreSQL text cannot hold NUL; a model that emits one must not cost the turn.
        "content": answer.response.replace("\x00", ""),
        "intent": answer.intent,
        "model": answer.model,
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "interrupted": interrupted,
    }


def _release_connection() -> None:
    """Return this thread's connection before the long wait on the model.

    Skipped inside an outer transaction (a test's), which closing would break.
    """
    if not connection.in_atomic_block:
        connection.close()
