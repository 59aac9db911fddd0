"""Database work of a chat turn, over the conversations services, in few thread hops.

Every async ORM call is a hop to a worker thread, so the writes of each phase run
together in one `sync_to_async` call inside a transaction: opening a turn (create the
conversation if needed, store the user message) and closing it (store the assistant
message, save the usage row) are one hop each.

Opening a turn also hands the request's database connection back (to the pool, or closes
it): the model then takes seconds, and a hundred waiting chats must not hold a hundred
PostgreSQL connections (or exhaust a pool of twenty) while nothing uses them.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.db import connection, transaction

from conversations.models import Conversation, MessageRole
from conversations.selectors import ahistory_for_conversation
from conversations.services import (
    aconversation_get_for_user,
    conversation_create,
    message_add,
    title_from_content,
)
from core.timing import timed
from metrics.models import UsageRecord
from routing.chat.answer import ChatAnswer

HISTORY_LIMIT = 20


async def conversation_with_history(*, user, conversation_id) -> tuple[Conversation, list[dict]]:
    """The caller's conversation (404 if unknown or foreign) and its recent turns."""
    with timed("db"):
        conversation = await aconversation_get_for_user(user=user, conversation_id=conversation_id)
        history = await ahistory_for_conversation(conversation=conversation, limit=HISTORY_LIMIT)
    return conversation, history


async def turn_open(*, user, conversation: Conversation | None, query: str) -> Conversation:
    """Store the user's question, first creating the conversation (titled by it) if needed."""
    with timed("db"):
        return await sync_to_async(_turn_open)(user, conversation, query)


async def turn_close(
    *,
    conversation: Conversation,
    answer: ChatAnswer | None,
    usage_row: UsageRecord,
    interrupted: bool = False,
) -> None:
    """Store the assistant's answer (if there is one) and the usage ledger row."""
    with timed("db"):
        await sync_to_async(_turn_close)(conversation, answer, usage_row, interrupted)


def _turn_open(user, conversation: Conversation | None, query: str) -> Conversation:
    with transaction.atomic():
        if conversation is None:
            conversation = conversation_create(user=user, title=title_from_content(query))
        message_add(conversation=conversation, role=MessageRole.USER, content=query)
    _release_connection()
    return conversation


def _turn_close(
    conversation: Conversation,
    answer: ChatAnswer | None,
    usage_row: UsageRecord,
    interrupted: bool,
) -> None:
    with transaction.atomic():
        if answer is not None:
            message_add(
                conversation=conversation,
                role=MessageRole.ASSISTANT,
                # PostgreSQL text cannot hold NUL; a model that emits one must not cost the turn.
                content=answer.response.replace("\x00", ""),
                intent=answer.intent,
                model=answer.model,
                prompt_tokens=answer.prompt_tokens,
                completion_tokens=answer.completion_tokens,
                interrupted=interrupted,
            )
        usage_row.save(force_insert=True)


def _release_connection() -> None:
    """Return this thread's connection before the long wait on the model.

    Skipped inside an outer transaction (a test's), which closing would break.
    """
    if not connection.in_atomic_block:
        connection.close()
