"""One chat answer, whether the agent wrote it just now or the cache kept it.

`ChatAnswer` is what the pipeline stores, caches and turns into a ChatResponse body, so
the sync endpoint, the SSE `done` event and a cache hit all answer in the same shape.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

OUTCOME_OK = "ok"
OUTCOME_BLOCKED = "blocked"
OUTCOME_FALLBACK = "fallback"
OUTCOME_ERROR = "error"


@dataclass(frozen=True)
class ChatAnswer:
    """The routing facts and text of an answer, with the tokens this request spent on it."""

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
    outcome: str = OUTCOME_OK

    @classmethod
    def from_agent(cls, result: Any) -> ChatAnswer:
        """From the agent's `AgentResult` (routing/agent/runner.py)."""
        return cls(
            response=result.response,
            intent=result.intent or "",
            complexity=result.complexity or "",
            model=result.model or "",
            confidence=float(result.confidence or 0.0),
            is_blocked=bool(result.is_blocked),
            block_reason=result.block_reason,
            sources=[_source(s) for s in result.sources or []],
            prompt_tokens=int(result.prompt_tokens or 0),
            completion_tokens=int(result.completion_tokens or 0),
            outcome=result.outcome,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatAnswer:
        """From `to_dict()` output (the cache's JSON); raises KeyError/TypeError if mangled."""
        return cls(**{**data, "sources": [_source(s) for s in data.get("sources", [])]})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def cacheable(self) -> bool:
        """Only real answers are cached: never a refusal, a fallback or an error."""
        return self.outcome == OUTCOME_OK and not self.is_blocked

    def as_served_from_cache(self) -> ChatAnswer:
        """The same answer, costing no tokens: a cache hit makes no LLM call."""
        return replace(self, prompt_tokens=0, completion_tokens=0)

    def response_body(self, *, query: str, conversation_id: Any, cached: bool) -> dict[str, Any]:
        """The ChatResponse body of SPEC section 6."""
        return {
            "query": query,
            "intent": self.intent,
            "complexity": self.complexity,
            "model": self.model,
            "response": self.response,
            "conversation_id": str(conversation_id),
            "confidence": self.confidence,
            "is_blocked": self.is_blocked,
            "block_reason": self.block_reason,
            "cached": cached,
            "sources": self.sources,
            "usage": {
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens,
            },
        }


def _source(source: Any) -> dict[str, str]:
    """A source as `{title, url}`, whatever else the agent attached to it."""
    if isinstance(source, dict):
        return {"title": str(source.get("title", "")), "url": str(source.get("url", ""))}
    return {"title": str(getattr(source, "title", "")), "url": str(getattr(source, "url", ""))}
