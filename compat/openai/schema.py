"""OpenAPI descriptions of the /v1 operations (drf-spectacular), for Swagger.

The bodies are OpenAI's; only the fields the gateway reads are described, and any other
field a client sends is accepted and ignored.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers

from core.schema import ErrorSerializer

TAGS = ["openai"]


class _Message(serializers.Serializer):
    role = serializers.ChoiceField(choices=["system", "developer", "user", "assistant", "tool"])
    content = serializers.JSONField(help_text="A string, or a list of text / image_url parts.")
    tool_calls = serializers.JSONField(required=False)
    tool_call_id = serializers.CharField(required=False)


@extend_schema_serializer(component_name="OpenAIChatCompletion")
class ChatCompletionRequestSerializer(serializers.Serializer):
    model = serializers.CharField(
        help_text='"auto" runs the agent; any served model is called directly.'
    )
    messages = _Message(many=True)
    stream = serializers.BooleanField(required=False)
    stream_options = serializers.JSONField(required=False, help_text="`{include_usage: true}`")
    temperature = serializers.FloatField(required=False)
    top_p = serializers.FloatField(required=False)
    max_tokens = serializers.IntegerField(required=False)
    stop = serializers.JSONField(required=False)
    seed = serializers.IntegerField(required=False)
    response_format = serializers.JSONField(required=False)
    tools = serializers.JSONField(required=False)
    tool_choice = serializers.JSONField(required=False)


class _Usage(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()


class _Choice(serializers.Serializer):
    index = serializers.IntegerField()
    message = serializers.JSONField()
    finish_reason = serializers.ChoiceField(
        choices=["stop", "length", "tool_calls", "content_filter"]
    )


@extend_schema_serializer(component_name="OpenAIChatCompletionResponse")
class ChatCompletionSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField()
    created = serializers.IntegerField()
    model = serializers.CharField()
    choices = _Choice(many=True)
    usage = _Usage()


@extend_schema_serializer(component_name="OpenAIEmbedding")
class EmbeddingRequestSerializer(serializers.Serializer):
    model = serializers.CharField()
    input = serializers.JSONField(help_text="A string or a list of strings.")
    encoding_format = serializers.ChoiceField(choices=["float", "base64"], required=False)
    dimensions = serializers.IntegerField(required=False)


@extend_schema_serializer(component_name="OpenAIEmbeddingList")
class EmbeddingListSerializer(serializers.Serializer):
    object = serializers.CharField()
    data = serializers.JSONField(help_text="`[{object, index, embedding}]`")
    model = serializers.CharField()
    usage = serializers.JSONField()


@extend_schema_serializer(component_name="OpenAIModel")
class ModelSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField()
    created = serializers.IntegerField()
    owned_by = serializers.CharField()


@extend_schema_serializer(component_name="OpenAIModelList")
class ModelListSerializer(serializers.Serializer):
    object = serializers.CharField()
    data = ModelSerializer(many=True)


def _errors(*statuses: int) -> dict:
    descriptions = {
        400: "Invalid request (`validation_error`), or refused by the model.",
        401: "No or bad key / token.",
        404: "Unknown model (`model_not_found`): Ollama answered and does not serve it.",
        429: "Over quota (`quota_exceeded`), with Retry-After.",
        503: "Ollama unreachable or failing (`llm_unavailable`).",
    }
    return {s: OpenApiResponse(ErrorSerializer, description=descriptions[s]) for s in statuses}


chat_schema = extend_schema(
    operation_id="openai_chat_completions",
    tags=TAGS,
    summary="OpenAI chat completion (streamed as chat.completion.chunk events with stream: true)",
    request=ChatCompletionRequestSerializer,
    responses={200: ChatCompletionSerializer, **_errors(400, 401, 404, 429, 503)},
)
embeddings_schema = extend_schema(
    operation_id="openai_embeddings",
    tags=TAGS,
    summary="OpenAI embeddings (through Ollama's /api/embed)",
    request=EmbeddingRequestSerializer,
    responses={200: EmbeddingListSerializer, **_errors(400, 401, 404, 429, 503)},
)
models_schema = extend_schema(
    operation_id="openai_models_list",
    tags=TAGS,
    summary="auto, the configured models and the models Ollama serves",
    responses={200: ModelListSerializer, **_errors(401, 503)},
)
model_schema = extend_schema(
    operation_id="openai_models_retrieve",
    tags=TAGS,
    summary="One model",
    responses={200: ModelSerializer, **_errors(401, 404, 503)},
)
