"""The input guard over a stateless request: every user turn is checked before any model call.

The check itself is the agent's (`routing.agent.nodes.input_guard.inspect`). The policy for
a client-sent history follows the agent's: the last user turn decides whether the request
is refused; an earlier user turn the guard refuses is dropped with the replies that
followed it, so one refused message does not refuse every later turn of a chat whose
client keeps resending it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from routing.agent.nodes.input_guard import inspect
from routing.agent.prompts import REFUSALS, localized


@dataclass(frozen=True)
class GuardResult:
    """The verdict on the request: `reason` is None when it may reach a model."""

    reason: str | None = None
    refusal: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0

    @property
    def blocked(self) -> bool:
        return self.reason is not None


def message_text(message: dict[str, Any]) -> str:
    """The text of a message whose content is a string or a list of OpenAI content parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def guard_messages(messages: list[dict[str, Any]]) -> GuardResult:
    """Check every user turn; refuse on the last, drop refused earlier ones."""
    max_chars = settings.INPUT_MAX_CHARS
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    if last_user is not None:
        query = message_text(messages[last_user])
        verdict = inspect(query, max_chars=max_chars)
        if verdict.blocked:
            return GuardResult(verdict.reason, localized(REFUSALS[verdict.reason], query))
    kept: list[dict[str, Any]] = []
    skipping = False
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "user":
            skipping = (
                index != last_user and inspect(message_text(message), max_chars=max_chars).blocked
            )
        if not skipping or role == "system":
            kept.append(message)
    return GuardResult(messages=kept, dropped=len(messages) - len(kept))


def guard_prompt(prompt: str) -> GuardResult:
    """The same check for /api/generate's single prompt."""
    return guard_messages([{"role": "user", "content": prompt}] if prompt else [])
