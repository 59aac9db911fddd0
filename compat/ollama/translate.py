"""Pure shapes of the /ollama adapter: the `auto` model as Ollama would list and show it,
NDJSON lines, and Ollama's error body.

Explicit-model traffic needs no translation (Ollama's own bytes are forwarded); only
`auto`, which the gateway answers itself, is given Ollama's shapes here.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from compat.engine import AUTO

# A fixed date: `auto` is not a file with a modification time, and clients parse the field.
AUTO_MODIFIED_AT = "2026-01-01T00:00:00Z"
AUTO_DIGEST = hashlib.sha256(b"llm-gateway/auto").hexdigest()
AUTO_DETAILS = {
    "parent_model": "",
    "format": "",
    "family": "llm-gateway",
    "families": ["llm-gateway"],
    "parameter_size": "",
    "quantization_level": "",
}


def auto_tags_entry() -> dict[str, Any]:
    """`auto` shaped like an /api/tags entry: `name` and `model` both "auto"."""
    return {
        "name": AUTO,
        "model": AUTO,
        "modified_at": AUTO_MODIFIED_AT,
        "size": 0,
        "digest": AUTO_DIGEST,
        "details": AUTO_DETAILS,
    }


def tags(served: list[dict[str, Any]]) -> dict[str, Any]:
    """The served models with `auto` first."""
    return {"models": [auto_tags_entry(), *[m for m in served if m.get("model") != AUTO]]}


def auto_show() -> dict[str, Any]:
    """/api/show for `auto`: `details` and `model_info` are always present in Ollama's."""
    return {
        "modelfile": "# auto: the gateway routes each question to the best model\n",
        "details": AUTO_DETAILS,
        "model_info": {"general.architecture": "llm-gateway"},
        "capabilities": ["completion"],
        "modified_at": AUTO_MODIFIED_AT,
    }


def line(data: dict[str, Any]) -> bytes:
    """One NDJSON line, compact like Go's encoder."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def error_body(message: str, *, code: str, request_id: str | None) -> dict[str, Any]:
    """Ollama's `{"error": "..."}`, with the gateway's code and request id beside it."""
    return {"error": message, "code": code, "request_id": request_id}
