"""What the test server answers: scripted `Reply`s, the rules that pick them, the defaults."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from .catalog import normalize_name
from .classify import classify, is_classifier_schema
from .schema_instance import schema_instance

FAULTS = frozenset({"http_500", "error_midstream", "drop_midstream", "hang", "hang_midstream"})

Body = dict[str, Any]
Predicate = Callable[[Body], bool]


@dataclass
class Reply:
    """One scripted model answer.

    `content` may be a callable(body) -> str for dynamic answers. When `chunks` is None the
    text is split into word-sized pieces (or into `chunk_count` even pieces).
    Faults: "http_500" (status `http_status`, before streaming), "error_midstream" (some
    chunks, then an `{"error": ...}` line), "drop_midstream" (some chunks, then a TCP abort),
    "hang" (no answer until the client leaves), "hang_midstream" (some chunks, then silence).
    "Some chunks" is `fault_after` chunks, default half of them (at least one).
    """

    content: str | Callable[[Body], str] = ""
    chunks: list[str] | None = None
    tool_calls: list[dict] | None = None
    prompt_eval_count: int = 12
    eval_count: int | None = None
    first_token_delay: float = 0.0
    chunk_interval: float = 0.0
    fault: str | None = None
    error_message: str = "model runner has unexpectedly stopped"
    # Additions beyond the shared contract.
    thinking: str = ""
    done_reason: str = "stop"
    chunk_count: int | None = None
    fault_after: int | None = None
    http_status: int = 500

    def __post_init__(self) -> None:
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; expected one of {sorted(FAULTS)}")

    def pieces(self, body: Body) -> list[str]:
        """The content chunks this reply streams for `body`."""
        if self.chunks is not None:
            return list(self.chunks)
        text = self.content(body) if callable(self.content) else self.content
        return split_text(text, self.chunk_count)


def split_text(text: str, count: int | None = None) -> list[str]:
    """Token-like pieces whose concatenation is `text`: words with their leading space."""
    if not text:
        return []
    if count:
        # Even boundaries give exactly `count` pieces (fewer only when text is shorter).
        bounds = [len(text) * i // count for i in range(count + 1)]
        return [text[start:end] for start, end in pairwise(bounds) if end > start]
    # Long words are cut at 12 characters so JSON without spaces still streams in pieces.
    return re.findall(r"\s*\S{1,12}|\s+", text)


def last_user_text(body: Body) -> str:
    """The last user message of a chat (or the prompt of a generate request)."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else ""
    prompt = body.get("prompt")
    return prompt if isinstance(prompt, str) else ""


Responder = Reply | Callable[[Body], "Reply | str | dict | list"]


def as_reply(result: Reply | str | dict | list) -> Reply:
    """A callable's result as a Reply: text is the content, JSON values are serialised."""
    if isinstance(result, Reply):
        return result
    if isinstance(result, str):
        return Reply(content=result)
    return Reply(content=json.dumps(result))


@dataclass
class Rule:
    responder: Responder
    model: str | None = None
    when: str | Predicate | None = None
    times: int | None = None

    def matches(self, body: Body) -> bool:
        if self.model and normalize_name(self.model) != normalize_name(body.get("model") or ""):
            return False
        if self.when is None:
            return True
        if isinstance(self.when, str):
            return self.when.lower() in last_user_text(body).lower()
        return bool(self.when(body))


def default_answer(body: Body) -> str:
    """The deterministic plain answer used when nothing else is scripted."""
    about = last_user_text(body)[:40]
    return (
        f"This is a test answer from {body.get('model', '')} about: {about}. "
        "It is long enough to arrive in several chunks, like a real model's reply."
    )


def structured_answer(body: Body) -> str:
    """`format: "json"` gets `{}`; the gateway's classification schema gets a keyword
    classification of the question (`classify.py`); any other schema a minimal instance."""
    fmt = body.get("format")
    if is_classifier_schema(fmt):
        return json.dumps(classify(last_user_text(body)))
    if isinstance(fmt, dict):
        return json.dumps(schema_instance(fmt))
    return "{}"


class Script:
    """The rule book, shared between the test thread and the server's event loop."""

    def __init__(self, timing: Reply) -> None:
        self._lock = threading.RLock()  # a `when` callable may call back into the script
        self._timing = timing  # first_token_delay/chunk_interval/chunk_count of the defaults
        self._rules: list[Rule] = []
        self._default: Reply | None = None

    def reset(self) -> None:
        with self._lock:
            self._rules.clear()
            self._default = None

    def add(self, rule: Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def set_default(self, reply: Reply | None) -> None:
        with self._lock:
            self._default = reply

    def pick(self, body: Body) -> Reply:
        """The newest matching rule's reply (using one of its `times`), else a default."""
        responder: Responder | None = None
        with self._lock:
            for rule in reversed(self._rules):
                if rule.matches(body):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    responder = rule.responder
                    break
            default = self._default
        if responder is not None:
            # Called outside the lock: a callable may itself use the server's API.
            return responder if isinstance(responder, Reply) else as_reply(responder(body))
        if body.get("format"):
            return replace(self._timing, content=structured_answer)
        return default or replace(self._timing, content=default_answer)
