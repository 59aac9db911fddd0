"""ChatRequest / ChatResponse (SPEC section 6), for both chat endpoints.

Input is strict: unknown fields are rejected, and strings, lists and ids must arrive as
such (DRF would otherwise turn `123` into "123" or a UUID).

`ChatResponseSerializer` is the one serializer of an answer on the native API: the JSON
body, the SSE `done` event and the response-cache entry are all `chat_response_body`, so
adding a response field is one field here (plus the `Answer` attribute it reads).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.serializers import BoundOnce, NoUnknownFieldsMixin, StrictCharField, StrictUUIDField
from routing.answer import Answer

MAX_PRIOR_MESSAGES = 100


class ChatMessageInputSerializer(NoUnknownFieldsMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=["user", "assistant"])
    content = StrictCharField(
        allow_blank=True, trim_whitespace=False, max_length=settings.QUERY_HARD_CAP_CHARS
    )


# Swagger appends "Request" to request components (COMPONENT_SPLIT_REQUEST): "ChatRequest".
@extend_schema_serializer(component_name="Chat")
class ChatRequestSerializer(NoUnknownFieldsMixin, serializers.Serializer):
    query = StrictCharField(max_length=settings.QUERY_HARD_CAP_CHARS)
    messages = serializers.ListField(
        child=ChatMessageInputSerializer(),
        required=False,
        default=list,
        max_length=MAX_PRIOR_MESSAGES,
        help_text="Prior turns, oldest first; used as context only without a conversation_id.",
    )
    conversation_id = StrictUUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Continue this conversation (its stored history is the context).",
    )


class ChatSourceSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField()


class ChatUsageSerializer(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()


class ChatResponseSerializer(serializers.Serializer):
    query = serializers.CharField(source="request.query")
    intent = serializers.CharField(help_text="search | analysis | creative | general")
    complexity = serializers.CharField(help_text="simple | complex")
    model = serializers.CharField(help_text="The model that wrote the final answer.")
    response = serializers.CharField()
    conversation_id = serializers.UUIDField(source="conversation.pk", allow_null=True)
    confidence = serializers.FloatField()
    is_blocked = serializers.BooleanField()
    block_reason = serializers.CharField(allow_null=True)
    cached = serializers.BooleanField(help_text="Served from the response cache (no LLM call).")
    sources = ChatSourceSerializer(many=True)
    usage = ChatUsageSerializer(
        source="*", help_text="Tokens this request spent (0 for a cache hit)."
    )
    router = serializers.ChoiceField(
        choices=["fast", "llm", "heuristic", ""],
        help_text="Who decided the intent: the fast pre-router, the LLM classifier or the "
        "heuristic fallback (empty when the query was not routed, e.g. blocked).",
    )


class _ChatReply:
    """The serializer's view of an answer in its turn: the turn's facts, the answer's rest."""

    __slots__ = ("_answer", "cached", "conversation", "request")

    def __init__(self, turn, answer: Answer) -> None:
        self._answer = answer
        self.request = turn.request
        self.conversation = turn.conversation
        self.cached = turn.cached is not None

    def __getattr__(self, name: str):
        return getattr(self._answer, name)


CHAT_REQUEST = BoundOnce(ChatRequestSerializer)
_CHAT_RESPONSE = BoundOnce(ChatResponseSerializer)


def chat_response_body(turn, answer: Answer) -> dict:
    """The ChatResponse of `answer` in `turn`: the JSON body, the `done` event, the cache."""
    return _CHAT_RESPONSE.represent(_ChatReply(turn, answer))
