"""The OpenAI requests the gateway reads, as typed models (vLLM's protocol.py is the model).

Fields the gateway uses are strictly typed: a wrong type is a 400, never a silent
coercion ("0.5" is not a temperature). Every other field is ignored, as OpenAI's and
Ollama's servers do, because clients send many (`user`, `logit_bias`, `n`, `metadata`...).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

# Strict floats still take integers (temperature: 1), as JSON does not tell them apart.
Number = Annotated[float, Field(strict=True)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ImageUrl(_Lenient):
    url: StrictStr


class ContentPart(_Lenient):
    type: StrictStr
    text: StrictStr | None = None
    image_url: ImageUrl | StrictStr | None = None


class FunctionCall(_Lenient):
    name: StrictStr
    arguments: StrictStr | dict[str, Any] = "{}"


class ToolCall(_Lenient):
    id: StrictStr | None = None
    type: StrictStr = "function"
    function: FunctionCall


class ChatMessage(_Lenient):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: StrictStr | list[ContentPart] | None = None
    name: StrictStr | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: StrictStr | None = None


class FunctionDefinition(_Lenient):
    name: StrictStr
    description: StrictStr | None = None
    parameters: dict[str, Any] | None = None


class Tool(_Lenient):
    type: Literal["function"] = "function"
    function: FunctionDefinition


class JsonSchemaFormat(_Lenient):
    name: StrictStr | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")


class ResponseFormat(_Lenient):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None


class StreamOptions(_Lenient):
    include_usage: StrictBool | None = None


class ChatCompletionRequest(_Lenient):
    model: StrictStr = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: StrictBool | None = None
    stream_options: StreamOptions | None = None
    temperature: Number | None = None
    top_p: Number | None = None
    max_tokens: StrictInt | None = None
    max_completion_tokens: StrictInt | None = None
    stop: StrictStr | list[StrictStr] | None = None
    seed: StrictInt | None = None
    frequency_penalty: Number | None = None
    presence_penalty: Number | None = None
    response_format: ResponseFormat | None = None
    tools: list[Tool] | None = None
    tool_choice: StrictStr | dict[str, Any] | None = None


class EmbeddingRequest(_Lenient):
    model: StrictStr = Field(min_length=1)
    input: StrictStr | list[StrictStr]
    encoding_format: Literal["float", "base64"] | None = None
    dimensions: StrictInt | None = Field(default=None, ge=1)
