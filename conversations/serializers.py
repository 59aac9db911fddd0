"""Request and response shapes of the conversation API (I/O only, no logic)."""

from __future__ import annotations

from rest_framework import serializers

from conversations.models import MessageRole
from conversations.services import TITLE_MAX_LENGTH
from core.serializers import NoUnknownFieldsMixin, StrictCharField

# Routing facts only an assistant message has; a user message leaves them out.
ASSISTANT_ONLY_FIELDS = (
    "intent",
    "model",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "interrupted",
)


class ConversationCreateInputSerializer(NoUnknownFieldsMixin, serializers.Serializer):
    title = StrictCharField(
        max_length=TITLE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional; when empty, the first 30 characters of the first question.",
    )


class ConversationRenameInputSerializer(NoUnknownFieldsMixin, serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH)


class ConversationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    message_count = serializers.IntegerField()


class ConversationPageOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ConversationOutputSerializer(many=True)


class ConversationMessageOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    role = serializers.ChoiceField(choices=MessageRole.choices)
    content = serializers.CharField()
    created_at = serializers.DateTimeField()
    intent = serializers.CharField(required=False, help_text="Assistant messages only.")
    model = serializers.CharField(required=False, help_text="Assistant messages only.")
    prompt_tokens = serializers.IntegerField(required=False, help_text="Assistant only.")
    completion_tokens = serializers.IntegerField(required=False, help_text="Assistant only.")
    total_tokens = serializers.IntegerField(required=False, help_text="Assistant only.")
    interrupted = serializers.BooleanField(
        required=False, help_text="Assistant only: cut short by a client disconnect."
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.role != MessageRole.ASSISTANT:
            for name in ASSISTANT_ONLY_FIELDS:
                data.pop(name, None)
        return data


class ConversationDetailOutputSerializer(ConversationOutputSerializer):
    message_count = serializers.SerializerMethodField()
    messages = ConversationMessageOutputSerializer(many=True)

    def get_message_count(self, conversation) -> int:
        return len(conversation.messages.all())
