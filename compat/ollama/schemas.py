"""The Ollama requests the gateway reads, typed strictly on the fields it uses.

The body of an explicit-model call is forwarded to Ollama unchanged (`options`, `format`,
`keep_alive`, `tools`, `think`, `images`, `suffix`, `raw`...), so these models only check
what the gateway itself acts on; anything else is Ollama's to judge.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Message(_Lenient):
    role: StrictStr
    content: StrictStr | None = None
    images: list[StrictStr] | None = None


class ChatRequest(_Lenient):
    model: StrictStr = Field(min_length=1)
    messages: list[Message] = Field(default_factory=list)
    stream: StrictBool | None = None


class GenerateRequest(_Lenient):
    model: StrictStr = Field(min_length=1)
    prompt: StrictStr | None = None
    system: StrictStr | None = None
    stream: StrictBool | None = None


class EmbedRequest(_Lenient):
    model: StrictStr = Field(min_length=1)
    input: StrictStr | list[StrictStr]


class EmbeddingsRequest(_Lenient):
    model: StrictStr = Field(min_length=1)
    prompt: StrictStr


class ShowRequest(_Lenient):
    model: StrictStr | None = None
    name: StrictStr | None = None  # the older spelling, still sent by some clients

    @property
    def target(self) -> str:
        return self.model or self.name or ""
