"""Scripting the Ollama test server for the agent's calls, and reading what it saw."""

from __future__ import annotations

import json
from typing import Any

from ollama_testserver import Reply
from routing.tests.agent.helpers import classification

SIMPLE = "llama3.2:3b"
COMPLEX = "qwen2.5:7b"


def schema_properties(body: dict) -> set[str]:
    fmt = body.get("format")
    return set(fmt.get("properties", {})) if isinstance(fmt, dict) else set()


def is_classifier(body: dict) -> bool:
    return "intent" in schema_properties(body)


def is_decomposer(body: dict) -> bool:
    return "sub_questions" in schema_properties(body)


def has_tool_result(body: dict) -> bool:
    return any(m.get("role") == "tool" for m in body.get("messages", []))


def classify_as(server, intent: str, complexity: str = "simple", **reply: Any) -> None:
    """The classifier (any call with the classification schema) answers `intent`."""
    server.add_rule(Reply(content=classification(intent, complexity), **reply), when=is_classifier)


def decompose_into(server, *questions: str) -> None:
    server.add_rule(
        Reply(content=json.dumps({"sub_questions": list(questions)})), when=is_decomposer
    )


def bodies(server) -> list[dict]:
    """Request bodies of the chats the server received, in order."""
    return [r.body for r in server.chat_requests]


def system_text(body: dict) -> str:
    return next((m["content"] for m in body["messages"] if m["role"] == "system"), "")


def last_user(body: dict) -> str:
    return [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
