"""Writes: create, rename and delete conversations, and add messages to them.

All are sync, and the REST API calls them directly. A chat turn stores each of its phases
in one statement where it can (routing/chat/persistence.py), so the writes it makes are
also offered as rows and statements for it to combine (`conversation_start_rows`,
`message_add_statements`).

The writes every chat makes (its conversation, its question and answer, the activity
UPDATE after each) use statements built once (core/rows.py) instead of `save()` and
`update()`, which compiled the same SQL on every call: about 0.2 ms of CPU per statement.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections, transaction
from django.db.models import Model, QuerySet

from conversations.models import TITLE_LENGTH, Conversation, Message, MessageRole
from core.rows import (
    Statement,
    execute,
    insert_instance,
    insert_statement,
    quoted_column,
    quoted_table,
)

TITLE_MAX_LENGTH = Conversation._meta.get_field("title").max_length


def title_from_content(content: str) -> str:
    """The automatic title: the first 30 characters of the question, on one line."""
    return " ".join(content.split())[:TITLE_LENGTH].rstrip()


def conversation_create(*, user, title: str = "") -> Conversation:
    """A new conversation; an empty title is filled in from the first question."""
    return Conversation.objects.create(user=user, title=title.strip()[:TITLE_MAX_LENGTH])


def conversation_start_rows(
    *, user, question: str, answer: dict[str, Any] | None = None
) -> tuple[Conversation, list[Model]]:
    """A new conversation holding its first question (and its answer, when already known:
    a cache hit's), titled by the question: its rows, not stored yet, in the order they go
    in, for a caller that stores them together with other rows in one statement
    (routing/chat/persistence.py; `core.rows.execute_together`). One INSERT per row, no
    UPDATE.

    The conversation comes after its messages (foreign keys are checked at the commit),
    so it is born with their title and the time of its last message, within microseconds,
    instead of getting them from an activity UPDATE as `conversation_create` +
    `message_add` do. `answer` holds the assistant message's fields (`message_add`'s).
    """
    conversation = Conversation(user=user, title=title_from_content(question))
    rows: list[Model] = [_new_message(conversation, MessageRole.USER, question)]
    if answer is not None:
        rows.append(_new_message(conversation, MessageRole.ASSISTANT, **answer))
    rows.append(conversation)
    return conversation, rows


def conversation_rename(*, conversation: Conversation, title: str) -> Conversation:
    conversation.title = title.strip()[:TITLE_MAX_LENGTH]
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    """Delete the conversation; its messages go with it, usage records keep their rows."""
    conversations_delete(conversations=Conversation.objects.filter(pk=conversation.pk))


def conversations_delete(*, conversations: QuerySet[Conversation]) -> None:
    """Delete these conversations (the API's delete, and the admin's single and bulk ones).

    Their rows are locked first, in primary-key order (two deleters never deadlock), as a
    chat turn writing into a conversation locks it (its activity UPDATE, or the lookup that
    opens the turn): the delete then waits for that turn's commit and takes its new message
    along (and unlinks its ledger row), instead of failing on the foreign keys the turn
    added meanwhile. Conversations already gone are skipped.
    """
    with transaction.atomic():
        locked = list(
            Conversation.objects.select_for_update()
            .filter(pk__in=conversations.values("pk"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Conversation.objects.filter(pk__in=locked).delete()


def _new_message(conversation: Conversation, role: str, content: str, **routing) -> Message:
    if role not in MessageRole.values:
        raise ValueError(f"role must be one of {MessageRole.values}, got {role!r}")
    return Message(conversation=conversation, role=role, content=content, **routing)


def _touch(conversation: Conversation, message: Message) -> bool:
    """The activity UPDATE after a message (`_touch_statement`), run: False when the
    conversation is gone."""
    return execute(*_touch_statement(conversation, message)) > 0


def _touch_statement(conversation: Conversation, message: Message) -> Statement:
    """The one UPDATE after a message: activity time, and the title if still empty (set in
    SQL, `CASE WHEN title = ''`, so a rename that raced ahead wins). It locks the row, so a
    concurrent delete waits for the caller's transaction. The in-memory `conversation` is
    brought up to date as well.
    """
    conversation.last_activity_at = conversation.updated_at = message.created_at
    title = title_from_content(message.content) if message.role == MessageRole.USER else ""
    connection = connections["default"]
    when = Conversation._meta.get_field("updated_at").get_db_prep_value(
        message.created_at, connection
    )
    pk = Conversation._meta.pk.get_db_prep_value(conversation.pk, connection)
    if title:
        conversation.title = conversation.title or title
        return _touch_sql(titled=True), [when, when, title, pk]
    return _touch_sql(titled=False), [when, when, pk]


@functools.cache
def _touch_sql(*, titled: bool) -> str:
    column = functools.partial(quoted_column, Conversation)
    assignments = [f"{column('last_activity_at')} = %s", f"{column('updated_at')} = %s"]
    if titled:
        title = column("title")
        assignments.append(f"{title} = CASE WHEN {title} = '' THEN %s ELSE {title} END")
    # Only the model's own quoted names go into the text; values are parameters.
    return (
        f"UPDATE {quoted_table(Conversation)} SET {', '.join(assignments)} "  # noqa: S608
        f"WHERE {column('id')} = %s"
    )


def message_add(
    *,
    conversation: Conversation,
    role: str,
    content: str,
    intent: str = "",
    model: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    interrupted: bool = False,
) -> Message:
    """Store a message and bump the conversation's activity: one INSERT and one UPDATE.

    A user message also titles a conversation whose title is still empty. Inside a caller's
    transaction (the chat turn's) no savepoint is made: a failure fails the whole turn
    anyway, and a savepoint costs two more round trips.
    """
    message = _new_message(
        conversation,
        role,
        content,
        intent=intent,
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        interrupted=interrupted,
    )
    with transaction.atomic(savepoint=False):
        insert_instance(message)
        _touch(conversation, message)
    return message


def message_add_unless_deleted(
    *,
    conversation: Conversation,
    role: str,
    content: str,
    **routing: Any,
) -> Message | None:
    """`message_add` for a conversation that may have been deleted meanwhile: None if so.

    The activity UPDATE finds no row when the conversation is gone; the message is then
    deleted again before the commit (PostgreSQL checks its foreign key only at commit).
    Otherwise the UPDATE locks the row, so a concurrent DELETE waits for this transaction.
    No savepoint: the usual case costs one INSERT and one UPDATE.
    """
    message = _new_message(conversation, role, content, **routing)
    with transaction.atomic(savepoint=False):
        insert_instance(message)
        if not _touch(conversation, message):
            Message.objects.filter(pk=message.pk).delete()
            return None
    return message


def message_add_statements(
    *, conversation: Conversation, role: str, content: str, **routing: Any
) -> tuple[Message, list[Statement]]:
    """`message_add` as statements (its INSERT and activity UPDATE) for a caller that runs
    them together with others in one statement (routing/chat/persistence).

    Together they cannot tell whether the conversation is still there: if it was deleted,
    the message's foreign key fails the whole statement (IntegrityError), and the caller
    falls back on `message_add_unless_deleted`. The UPDATE locks the row, so a delete that
    comes later waits for the statement and takes the message along.
    """
    message = _new_message(conversation, role, content, **routing)
    return message, [insert_statement(message), _touch_statement(conversation, message)]


def conversation_still_exists(*, conversation: Conversation) -> bool:
    """Whether the conversation is still there, locking its row for the caller's transaction."""
    return Conversation.objects.select_for_update().filter(pk=conversation.pk).exists()
