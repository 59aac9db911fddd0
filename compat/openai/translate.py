"""Pure translations between the OpenAI API and Ollama's native one (Ollama's openai.go is
the model): the request into an `/api/chat` or `/api/embed` body, each native chunk into
`chat.completion.chunk`s, the final native object into a `chat.completion`.

No I/O here; table tests cover every field (compat/tests/test_openai_translate.py).
"""

from __future__ import annotations

import base64
import json
import secrets
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from compat.openai.schemas import (
    ChatCompletionRequest,
    ChatMessage,
    EmbeddingRequest,
    ResponseFormat,
)

FINGERPRINT = "fp_llmgateway"
_ROLES = {"developer": "system"}


class TranslationError(ValueError):
    """The request is well typed but cannot be expressed to Ollama (a 400)."""


def completion_id() -> str:
    return f"chatcmpl-{secrets.token_hex(12)}"


def tool_call_id() -> str:
    return f"call_{secrets.token_hex(4)}"


# --- request -------------------------------------------------------------------------------
def _image(url: str) -> str:
    """A data URL's base64 payload (Ollama takes base64 images, not URLs to fetch)."""
    if not url.startswith("data:") or ";base64," not in url:
        raise TranslationError("Only base64 data URLs are supported for images.")
    return url.split(";base64,", 1)[1]


def _arguments(arguments: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except ValueError as exc:
        raise TranslationError("Tool call arguments must be a JSON object.") from exc
    if not isinstance(value, dict):
        raise TranslationError("Tool call arguments must be a JSON object.")
    return value


def message(msg: ChatMessage, tool_names: dict[str, str]) -> dict[str, Any]:
    """One OpenAI message as an Ollama message; `tool_names` maps earlier call ids to names."""
    out: dict[str, Any] = {"role": _ROLES.get(msg.role, msg.role)}
    if isinstance(msg.content, list):
        texts, images = [], []
        for part in msg.content:
            if part.type == "text" and part.text is not None:
                texts.append(part.text)
            elif part.type == "image_url" and part.image_url is not None:
                url = part.image_url if isinstance(part.image_url, str) else part.image_url.url
                images.append(_image(url))
        out["content"] = "\n".join(texts)
        if images:
            out["images"] = images
    else:
        out["content"] = msg.content or ""
    if msg.tool_calls:
        calls = []
        for call in msg.tool_calls:
            if call.id:
                tool_names[call.id] = call.function.name
            entry: dict[str, Any] = {
                "function": {
                    "name": call.function.name,
                    "arguments": _arguments(call.function.arguments),
                }
            }
            if call.id:
                entry["id"] = call.id
            calls.append(entry)
        out["tool_calls"] = calls
    if msg.role == "tool":
        if msg.tool_call_id:
            out["tool_call_id"] = msg.tool_call_id
        name = msg.name or tool_names.get(msg.tool_call_id or "")
        if name:
            out["tool_name"] = name
    return out


def messages(request: ChatCompletionRequest) -> list[dict[str, Any]]:
    tool_names: dict[str, str] = {}
    return [message(m, tool_names) for m in request.messages]


def response_format(fmt: ResponseFormat | None) -> str | dict[str, Any] | None:
    """JSON mode → "json"; a JSON schema → the schema itself; text → nothing."""
    if fmt is None or fmt.type == "text":
        return None
    if fmt.type == "json_object":
        return "json"
    if fmt.json_schema is None or fmt.json_schema.schema_ is None:
        raise TranslationError("response_format json_schema needs json_schema.schema.")
    return fmt.json_schema.schema_


def options(request: ChatCompletionRequest) -> dict[str, Any]:
    stop = [request.stop] if isinstance(request.stop, str) else request.stop
    max_tokens = (
        request.max_completion_tokens
        if request.max_completion_tokens is not None
        else request.max_tokens
    )
    values = {
        "temperature": request.temperature,
        "top_p": request.top_p,
        "num_predict": max_tokens,
        "stop": stop,
        "seed": request.seed,
        "frequency_penalty": request.frequency_penalty,
        "presence_penalty": request.presence_penalty,
    }
    return {key: value for key, value in values.items() if value is not None}


def chat_body(request: ChatCompletionRequest) -> dict[str, Any]:
    """The native /api/chat body for an explicit model."""
    body: dict[str, Any] = {
        "model": request.model,
        "messages": messages(request),
        "stream": bool(request.stream),
    }
    opts = options(request)
    if opts:
        body["options"] = opts
    fmt = response_format(request.response_format)
    if fmt is not None:
        body["format"] = fmt
    # Ollama cannot force a tool; "none" is honoured by not offering any.
    if request.tools and request.tool_choice != "none":
        body["tools"] = [tool.model_dump(exclude_none=True) for tool in request.tools]
    return body


# --- response ------------------------------------------------------------------------------
def usage(final: dict[str, Any]) -> dict[str, int]:
    prompt = int(final.get("prompt_eval_count") or 0)
    completion = int(final.get("eval_count") or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def tool_calls(
    native: list[dict[str, Any]] | None, *, first_index: int = 0
) -> list[dict[str, Any]]:
    """Ollama's calls (arguments an object) as OpenAI's (arguments a JSON string)."""
    calls = []
    for offset, call in enumerate(native or []):
        function = call.get("function") or {}
        arguments = function.get("arguments")
        calls.append(
            {
                "index": first_index + offset,
                "id": call.get("id") or tool_call_id(),
                "type": "function",
                "function": {
                    "name": function.get("name", ""),
                    "arguments": arguments
                    if isinstance(arguments, str)
                    else json.dumps(arguments or {}),
                },
            }
        )
    return calls


def finish_reason(final: dict[str, Any], *, blocked: bool, called_tools: bool) -> str:
    if blocked:
        return "content_filter"
    if called_tools:
        return "tool_calls"
    if final.get("done_reason") == "length":
        return "length"
    return "stop"


def completion(final: dict[str, Any], *, model: str, blocked: bool = False) -> dict[str, Any]:
    """The `chat.completion` for a non-streamed answer (Ollama's one final object)."""
    native = final.get("message") or {}
    calls = tool_calls(native.get("tool_calls"))
    message_out: dict[str, Any] = {"role": "assistant", "content": native.get("content", "")}
    if native.get("thinking"):
        message_out["reasoning"] = native["thinking"]
    if calls:
        message_out["tool_calls"] = [{k: v for k, v in c.items() if k != "index"} for c in calls]
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": FINGERPRINT,
        "choices": [
            {
                "index": 0,
                "message": message_out,
                "logprobs": None,
                "finish_reason": finish_reason(final, blocked=blocked, called_tools=bool(calls)),
            }
        ],
        "usage": usage(final),
    }


@dataclass
class ChunkTranslator:
    """Native stream chunks into `chat.completion.chunk`s, for one streamed completion."""

    model: str
    include_usage: bool = False
    id: str = field(default_factory=completion_id)
    created: int = field(default_factory=lambda: int(time.time()))
    calls_sent: int = 0

    def _chunk(self, delta: dict[str, Any], finish: str | None, model: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": model,
            "system_fingerprint": FINGERPRINT,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    def translate(self, data: dict[str, Any], *, blocked: bool = False) -> list[dict[str, Any]]:
        """The OpenAI chunks for one native chunk (none for an empty intermediate one)."""
        model = data.get("model") or self.model
        native = data.get("message") or {}
        out = []
        delta: dict[str, Any] = {"role": "assistant"}
        if native.get("content"):
            delta["content"] = native["content"]
        if native.get("thinking"):
            delta["reasoning"] = native["thinking"]
        calls = tool_calls(native.get("tool_calls"), first_index=self.calls_sent)
        if calls:
            delta["tool_calls"] = calls
            self.calls_sent += len(calls)
        if len(delta) > 1:
            out.append(self._chunk(delta, None, model))
        if data.get("done") is True:
            finish = finish_reason(data, blocked=blocked, called_tools=self.calls_sent > 0)
            out.append(self._chunk({}, finish, model))
            if self.include_usage:
                out.append({**self._chunk({}, None, model), "choices": [], "usage": usage(data)})
        return out


# --- embeddings ----------------------------------------------------------------------------
def embed_body(request: EmbeddingRequest) -> dict[str, Any]:
    inputs = [request.input] if isinstance(request.input, str) else request.input
    body: dict[str, Any] = {"model": request.model, "input": inputs}
    if request.dimensions is not None:
        body["dimensions"] = request.dimensions
    return body


def _base64(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def embeddings(native: dict[str, Any], request: EmbeddingRequest) -> dict[str, Any]:
    """OpenAI's embedding list; base64 is float32 little-endian, as the SDK decodes it."""
    as_base64 = request.encoding_format == "base64"
    tokens = int(native.get("prompt_eval_count") or 0)
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": _base64(v) if as_base64 else v}
            for i, v in enumerate(native.get("embeddings") or [])
        ],
        "model": request.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


# --- models --------------------------------------------------------------------------------
def model_entry(name: str, *, created: int, owned_by: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": created, "owned_by": owned_by}
