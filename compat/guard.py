"""The input guard over a stateless request: every turn is checked before any model call.

The check itself is the agent's (`routing.agent.guards.check.inspect_turns`), and so is
the policy: the user and assistant turns the request would forward are all checked (a
client can forge an assistant turn that "agreed" to an attack), and one refused turn makes
the whole request a blocked request — the polite refusal, and nothing reaches a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from routing.agent.guards.check import inspect_turns
from routing.agent.prompts import REFUSALS, localized


@dataclass(frozen=True)
class GuardResult:
    """The verdict on the request: `reason` is None when it may reach a model."""

    reason: str | None = None
    refusal: str = ""

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
    """Check the last user turn and every other user or assistant turn the request carries."""
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    query = message_text(messages[last_user]) if last_user is not None else ""
    turns = [
        (message["role"], message_text(message))
        for index, message in enumerate(messages)
        if index != last_user and message.get("role") in ("user", "assistant")
    ]
    verdict, _ = inspect_turns(query, turns, max_chars=settings.INPUT_MAX_CHARS)
    if verdict.blocked:
        return GuardResult(verdict.reason, localized(REFUSALS[verdict.reason], query))
    return GuardResult()


def guard_prompt(prompt: str) -> GuardResult:
    """The same check for /api/generate's single prompt."""
    return guard_messages([{"role": "user", "content": prompt}] if prompt else [])
