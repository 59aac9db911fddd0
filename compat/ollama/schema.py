"""OpenAPI descriptions of the /ollama operations (drf-spectacular), for Swagger.

Bodies are Ollama's own (see Ollama's docs/api.md); the gateway reads a few fields and
forwards the rest unchanged, so they are described as open JSON objects here.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

TAGS = ["ollama"]
OBJECT = OpenApiTypes.OBJECT


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(
        {
            "type": "object",
            "properties": {
                "error": {"type": "string"},
                "code": {"type": "string"},
                "request_id": {"type": "string", "nullable": True},
            },
            "required": ["error"],
        },
        description=description,
    )


ERRORS = {
    400: _error("Invalid request, or refused by Ollama."),
    401: _error("No or bad key / token."),
    404: _error("Unknown model (Ollama's own message)."),
    429: _error("Over quota (`quota_exceeded`), with Retry-After."),
    503: _error("Ollama unreachable or failing (`llm_unavailable`)."),
}
NDJSON_RESPONSE = OpenApiResponse(
    OBJECT, description="NDJSON lines as Ollama streams them (`stream: false`: one JSON object)."
)


def _model_call(operation_id: str, summary: str):
    return extend_schema(
        operation_id=operation_id,
        tags=TAGS,
        summary=summary,
        request=OBJECT,
        responses={(200, "application/x-ndjson"): NDJSON_RESPONSE, **ERRORS},
    )


chat_schema = _model_call("ollama_chat", "Ollama /api/chat (`model: auto` runs the agent)")
generate_schema = _model_call(
    "ollama_generate", "Ollama /api/generate (`model: auto` runs the agent)"
)
embed_schema = extend_schema(
    operation_id="ollama_embed",
    tags=TAGS,
    summary="Ollama /api/embed",
    request=OBJECT,
    responses={200: OBJECT, **ERRORS},
)
embeddings_schema = extend_schema(
    operation_id="ollama_embeddings",
    tags=TAGS,
    summary="Ollama /api/embeddings (the older single-prompt form)",
    request=OBJECT,
    responses={200: OBJECT, **ERRORS},
)
show_schema = extend_schema(
    operation_id="ollama_show",
    tags=TAGS,
    summary="Ollama /api/show",
    request=OBJECT,
    responses={
        200: OBJECT,
        400: ERRORS[400],
        401: ERRORS[401],
        404: ERRORS[404],
        503: ERRORS[503],
    },
)
probe_schema = extend_schema(
    operation_id="ollama_version",
    tags=TAGS,
    summary="Ollama's version (open, like Ollama's own liveness probe)",
    responses={200: OBJECT, 503: ERRORS[503]},
)


def listing_schema(operation_id: str, summary: str):
    return extend_schema(
        operation_id=operation_id,
        tags=TAGS,
        summary=summary,
        responses={200: OBJECT, 401: ERRORS[401], 503: ERRORS[503]},
    )


def manage_schema(path: str, method: str):
    return extend_schema(
        operation_id=f"ollama_{path.rsplit('/', 1)[-1]}",
        tags=TAGS,
        summary=f"Ollama {path} (administrators only)",
        request=OBJECT,
        responses={
            200: OBJECT,
            401: ERRORS[401],
            403: _error("Not an administrator: nothing reaches Ollama."),
            503: ERRORS[503],
        },
    )
