"""OpenAPI descriptions of the two chat endpoints (drf-spectacular `extend_schema`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from core.schema import ErrorSerializer
from routing.chat.serializers import (
    ChatRequestSerializer,
    ChatResponseSerializer,
)

TAGS = ["chat"]

# For text/event-stream, OpenAPI tools read the schema as describing each event.
SSE_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["meta", "token", "done", "error"]},
        "data": {"type": "string", "description": "The event's JSON payload."},
    },
    "required": ["event", "data"],
}

_RATE_LIMIT_STATUSES = [200, 429]
RESPONSE_HEADERS = [
    OpenApiParameter(
        "X-RateLimit-Limit",
        int,
        OpenApiParameter.HEADER,
        description="Chat requests allowed per minute.",
        response=_RATE_LIMIT_STATUSES,
    ),
    OpenApiParameter(
        "X-RateLimit-Remaining",
        int,
        OpenApiParameter.HEADER,
        description="Requests left this minute.",
        response=_RATE_LIMIT_STATUSES,
    ),
    OpenApiParameter(
        "X-RateLimit-Reset",
        int,
        OpenApiParameter.HEADER,
        description="Epoch seconds when the minute ends.",
        response=_RATE_LIMIT_STATUSES,
    ),
    OpenApiParameter(
        "Retry-After",
        int,
        OpenApiParameter.HEADER,
        description="Seconds until the quota resets.",
        response=[429],
    ),
    OpenApiParameter(
        "Server-Timing",
        str,
        OpenApiParameter.HEADER,
        description="llm, db, redis and gateway durations in ms (the stream: before the model).",
        response=[200],
    ),
]

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input (`validation_error`)."),
    401: OpenApiResponse(ErrorSerializer, description="No or bad credentials."),
    404: OpenApiResponse(ErrorSerializer, description="Unknown or foreign conversation."),
    415: OpenApiResponse(ErrorSerializer, description="The body is not JSON."),
    429: OpenApiResponse(ErrorSerializer, description="Over quota (`quota_exceeded`)."),
}
LLM_DOWN = {
    503: OpenApiResponse(
        description="Ollama unreachable or timed out (`llm_unavailable`); the question is kept.",
    )
}

SSE_DESCRIPTION = """`text/event-stream`. Events, each `event: <name>` + one `data:` JSON line:

- `meta` `{conversation_id, intent, complexity, model, confidence}`, as soon as known;
- `token` `{"content": "..."}` for each chunk of the final answer as the model writes it;
- `done` the full ChatResponse;
- `error` `{"code", "message"}` if the model fails part-way (`llm_unavailable`).

Comment lines (`: keep-alive`) are heartbeats. Errors found before the stream starts
(400/401/404/429) are ordinary JSON error envelopes. If the client disconnects, the model
request is cancelled and the partial answer is stored (marked interrupted)."""

chat_schema = extend_schema(
    operation_id="chat_create",
    tags=TAGS,
    summary="Ask the gateway; the answer comes back as one JSON document",
    request=ChatRequestSerializer,
    responses={200: ChatResponseSerializer, **ERRORS, **LLM_DOWN},
    parameters=RESPONSE_HEADERS,
)

chat_stream_schema = extend_schema(
    operation_id="chat_stream",
    tags=TAGS,
    summary="Ask the gateway; the answer streams as server-sent events",
    description=SSE_DESCRIPTION,
    request=ChatRequestSerializer,
    responses={
        (200, "text/event-stream"): OpenApiResponse(SSE_EVENT, description="The stream."),
        **ERRORS,
    },
    parameters=RESPONSE_HEADERS,
)
