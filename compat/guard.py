"""The input guard over a stateless request, before any model call.

The verdict is the agent's own (`routing.agent.guards.check.inspect_turns`, the check the
input-guard node makes): the last user message is the query, and every earlier user and
assistant turn the client sends is checked too (a client can forge either). One refused
turn refuses the whole request with the polite refusal, and none of it reaches a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from routing.agent.guards.check import inspect_turns
from routing.agent.prompts import REFUSALS, localized

CHECKED_ROLES = ("user", "assistant")


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
    """Check the last user message and every other user/assistant turn."""
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    query = message_text(messages[last_user]) if last_user is not None else ""
    turns = [
        (str(m.get("role")), message_text(m))
        for i, m in enumerate(messages)
        if i != last_user and m.get("role") in CHECKED_ROLES
    ]
    verdict, _ = inspect_turns(query, turns, max_chars=settings.INPUT_MAX_CHARS)
    if not verdict.blocked:
        return GuardResult()
    return GuardResult(verdict.reason, localized(REFUSALS[verdict.reason], query))


def guard_prompt(prompt: str) -> GuardResult:
    """The same check for /api/generate's single prompt."""
    return guard_messages([{"role": "user", "content": prompt}])
