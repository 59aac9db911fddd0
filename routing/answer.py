"""One answer type, from the agent to the wire.

The agent (or a direct model call, or the response cache) produces an `Answer`; the chat
turn stores it, bills it and caches it; the protocol adapters shape it for their clients.
Outcome values are the ledger's (`metrics.models.Outcome`), defined once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from metrics.models import Outcome


@dataclass(frozen=True)
class Answer:
    """The text of an answer, how it was routed, and what this request spent on it."""

    response: str
    intent: str = ""
    complexity: str = ""
    model: str = ""
    confidence: float = 0.0
    is_blocked: bool = False
    block_reason: str | None = None
    sources: list[dict[str, str]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    outcome: str = Outcome.OK
    # Who decided the intent: "fast" | "llm" | "heuristic" ("" when nothing was routed).
    router: str = ""
    # Ollama's load + prompt-eval + eval durations over every call, in seconds.
    compute_seconds: float = 0.0
    # Ollama's timings in ns by key ("total_duration", "load_duration",
    # "prompt_eval_duration", "eval_duration"), each summed over every call.
    durations: dict[str, int] = field(default_factory=dict)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def cacheable(self) -> bool:
        """Only real answers are cached: never a refusal, a fallback or an error."""
        return self.outcome == Outcome.OK and not self.is_blocked

    def served_from_cache(self) -> Answer:
        """The same answer, costing nothing: a cache hit makes no LLM call."""
        return replace(
            self, prompt_tokens=0, completion_tokens=0, compute_seconds=0.0, durations={}
        )

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Answer:
        """From a mapping that holds (at least) the answer's fields, e.g. a cache entry.

        Raises KeyError/TypeError/ValueError when `data` is not an answer.
        """
        known = {f.name for f in fields(cls)}
        values = {name: value for name, value in data.items() if name in known}
        values["sources"] = [source_of(s) for s in values.get("sources") or []]
        return cls(**values)


def source_of(source: Any) -> dict[str, str]:
    """A source as `{title, url}`, whatever else the agent attached to it."""
    if isinstance(source, dict):
        return {"title": str(source.get("title", "")), "url": str(source.get("url", ""))}
    return {"title": str(getattr(source, "title", "")), "url": str(getattr(source, "url", ""))}
