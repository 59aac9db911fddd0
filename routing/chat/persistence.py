"""Database work of a chat turn, in one thread hop per phase.

Every async ORM call is a hop to a worker thread, so each phase runs its statements
together in one `sync_to_async` call inside a transaction: opening a turn (the stored
conversation and its history, or a new conversation, and the question) and closing it (the
answer and the usage ledger row) are one hop each. A cache hit on a new conversation has
nothing to read, so it opens without a hop and its close stores the whole exchange (the
conversation, question, answer and ledger row) in one. A stateless turn's close is a single
INSERT, which runs on the event loop instead (core/async_db.py).

Opening a turn also hands the request's database connection back (to the pool, or closes
it): the model then takes seconds, and a hundred waiting chats must not hold a hundred
PostgreSQL connections (or exhaust a pool of twenty) while nothing uses them.

A conversation deleted while its answer is being written is not an error: the answer is
still returned and billed; the ledger row then keeps no link to the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connection, transaction

from conversations.models import Conversation, MessageRole
from conversations.selectors import conversation_get_for_user, history_for_conversation
from conversations.services import (
    conversation_start,
    conversation_still_exists,
    message_add,
    message_add_unless_deleted,
)
from core.timing import timed
from metrics.usage import UsageEntry, ledger_awrite, ledger_write
from routing.agent.runner import HISTORY_MAX_MESSAGES
from routing.answer import Answer


async def turn_open(*, user, conversation_id, query: str) -> tuple[Conversation, list[dict]]:
    """Store the question; returns its conversation and the history before it.

    With a `conversation_id`, that conversation (404 if unknown or foreign) and its stored
    turns; without one, a new conversation titled by the question.
    """
    with timed("db"):
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
    # hop and transaction as the answer and the ledger row.
    question: str | None = None
    user: Any = None


async def turn_close(closing: Closing) -> Conversation | None:
    """Store what `closing` holds; returns the turn's conversation.

    A stateless turn (/v1, /ollama) has only its ledger row: one INSERT, its own
    transaction, on the event loop."""
    with timed("db"):
        if closing.conversation is None and closing.question is None:
            await ledger_awrite(closing.usage)
            return None
        return await sync_to_async(_turn_close)(closing)


def _turn_open(user, conversation_id, query: str) -> tuple[Conversation, list[dict]]:
    with transaction.atomic():
        if conversation_id is None:
            conversation, _ = conversation_start(user=user, question=query)
            history: list[dict] = []
        else:
            # Locked: a conversation deleted meanwhile is a 404, never a foreign-key
            # failure at the commit.
            conversation = conversation_get_for_user(
                user=user, conversation_id=conversation_id, lock=True
            )
            history = history_for_conversation(
                conversation=conversation, limit=HISTORY_MAX_MESSAGES
            )
            message_add(conversation=conversation, role=MessageRole.USER, content=query)
    _release_connection()
    return conversation, history


def _turn_close(closing: Closing) -> Conversation:
    conversation, answer, usage = closing.conversation, closing.answer, closing.usage
    with transaction.atomic():
        if closing.question is not None:
            fields = _answer_fields(answer, closing.interrupted) if answer is not None else None
            conversation, _ = conversation_start(
                user=closing.user, question=closing.question, answer=fields
            )
            present = True
            usage = replace(usage, conversation_id=conversation.pk)
        elif answer is not None:
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
