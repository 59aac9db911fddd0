"""Reads: a user's conversations, one conversation with its messages, the agent's history.

A conversation that is not the caller's is indistinguishable from one that does not exist:
both raise `ConversationNotFound` (404 `not_found`), never a 403 (SPEC section 5).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Count, Prefetch, QuerySet
from rest_framework import status

from conversations.models import Conversation, Message
from core.errors import GatewayError

CONVERSATION_NOT_FOUND = "Conversation not found."


class ConversationNotFound(GatewayError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_detail = CONVERSATION_NOT_FOUND


def parse_conversation_id(value: Any) -> UUID:
    """`value` as a UUID; anything malformed is simply a conversation that does not exist."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise ConversationNotFound from None


def conversation_list_for_user(*, user) -> QuerySet[Conversation]:
    """The user's conversations, newest activity first, each with `message_count` (one query)."""
    return (
        Conversation.objects.filter(user=user)
        .annotate(message_count=Count("messages"))
        # `id` breaks ties so pages never repeat or skip a row.
        .order_by("-last_activity_at", "-id")
    )


def conversation_get_for_user(*, user, conversation_id: Any, lock: bool = False) -> Conversation:
    """One of the user's conversations, without its messages. `lock` (inside a transaction):
    its row stays locked until the commit, so it cannot be deleted meanwhile; one being
    deleted is waited for, and then not found."""
    conversations = Conversation.objects.select_for_update() if lock else Conversation.objects
    try:
        return conversations.get(id=parse_conversation_id(conversation_id), user=user)
    except Conversation.DoesNotExist:
        raise ConversationNotFound from None


def conversation_detail_for_user(*, user, conversation_id: Any) -> Conversation:
    """One of the user's conversations with `messages` prefetched, oldest first (two queries)."""
    messages = Prefetch("messages", queryset=Message.objects.order_by("created_at", "id"))
    try:
        return Conversation.objects.prefetch_related(messages).get(
            id=parse_conversation_id(conversation_id), user=user
        )
    except Conversation.DoesNotExist:
        raise ConversationNotFound from None


def history_for_conversation(*, conversation: Conversation, limit: int) -> list[dict[str, str]]:
    """The last `limit` messages as `[{"role", "content"}]`, oldest first, for the agent.

    Messages with no content (an answer interrupted before its first token) carry nothing
    the model could use, so they are left out. One query.
    """
    if limit <= 0:
        return []
    rows = (
        Message.objects.filter(conversation_id=conversation.pk)
        .exclude(content="")
        .order_by("-created_at", "-id")
        .values("role", "content")[:limit]
    )
    history = list(rows)
    history.reverse()
    return history
