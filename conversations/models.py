"""Conversations and their messages (SPEC section 4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TimestampedModel

TITLE_LENGTH = 30


class Conversation(TimestampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    title = models.CharField(max_length=200, blank=True, default="")
    # Bumped on every new message so lists can sort by newest activity with one index.
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-last_activity_at"]
        indexes = [models.Index(fields=["user", "-last_activity_at"], name="conv_user_activity")]

    def __str__(self) -> str:
        return self.title or str(self.id)


class MessageRole(models.TextChoices):
    USER = "user", "User"
    ASSISTANT = "assistant", "Assistant"


class Message(TimestampedModel):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(max_length=16, choices=MessageRole.choices)
    content = models.TextField(blank=True)
    intent = models.CharField(max_length=16, blank=True, default="")
    model = models.CharField(max_length=100, blank=True, default="")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    # An assistant answer cut short by a client disconnect mid-stream.
    interrupted = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="msg_conv_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["user", "assistant"]), name="message_role_valid"
            )
        ]

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
