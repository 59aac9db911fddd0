"""Small helpers shared by the agent tests."""

from __future__ import annotations

import json


def classification(intent: str, complexity: str = "simple", confidence: float = 0.9) -> str:
    """The classifier's JSON answer."""
    return json.dumps({"intent": intent, "confidence": confidence, "complexity": complexity})


def tool_call(name: str, **arguments) -> dict:
    """A LangChain tool call, as a scripted AIMessage carries it."""
    return {"name": name, "args": arguments, "id": f"call_{name}", "type": "tool_call"}
