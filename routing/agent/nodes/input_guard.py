"""Input guard: blocks over-long input, prompt injection and harmful requests.

Matching runs on normalised text so trivial obfuscation does not pass: Unicode NFKC,
accents and format characters (zero-width spaces and joiners, U+2060, BOM, soft hyphen,
bidi marks) removed, Cyrillic/Greek look-alikes mapped to Latin, case-folded, whitespace
collapsed; plus a de-spaced form ("i g n o r e" -> "ignore") and a squashed form with all
spaces and punctuation gone and leetspeak undone ("1gn0r3" -> "ignore").

Prior user turns are checked too, because they reach every agent: a client can send any
`messages`, and a stored conversation keeps the turns that were refused. A history turn
the guard would refuse is dropped, with the reply that followed it (a refusal, or a
client's forged compliance); the query itself is still answered. Blocking the query
instead would refuse every later turn of a conversation that once had a refused (or
falsely flagged) message, until it left the history window.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from langchain_core.messages import BaseMessage, HumanMessage

from routing.agent.guards.patterns import PATTERNS
from routing.agent.state import AgentState

_LOOKALIKES = str.maketrans(
    "асеіјорѕухԁһԛԝаеорсухΑΒΕΖΗΙΚΜΝΟΡΤΥΧαιονρτυχ",
    "aceijopsyxdhqwaeopcyxabezhikmnoptyxaiovptux",
)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_SPACED_LETTERS = re.compile(r"(?:\b\w\b[\W_]{1,3}){2,}\b\w\b")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """The guard's decision: `reason` is None when the input may pass."""

    reason: str | None = None
    pattern: str | None = None

    @property
    def blocked(self) -> bool:
        return self.reason is not None


def normalize(text: str) -> str:
    """NFKC, no accents or format characters, look-alikes mapped, case-folded, one space."""
    if text.isascii():  # the same result, without a Python-level pass over every character
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    kept = (c for c in text if unicodedata.category(c) not in ("Mn", "Cf"))
    text = unicodedata.normalize("NFC", "".join(kept)).casefold().translate(_LOOKALIKES)
    return " ".join(text.split())


def despace(text: str) -> str:
    """Join letters written one at a time: "i g n o r e all" -> "ignore all"."""
    return _SPACED_LETTERS.sub(lambda m: re.sub(r"[\W_]", "", m.group()), text)


def squash(text: str) -> str:
    """Letters and digits only, leetspeak undone: how spacing tricks and Korean are matched."""
    return re.sub(r"[\W_]+", "", text.translate(_LEET))


def inspect(query: str, *, max_chars: int) -> Verdict:
    """Check one text; the first matching pattern decides."""
    if len(query) > max_chars:
        return Verdict("input_too_long")
    return _match(query)


# A stored conversation's turns are checked again on every later turn, so verdicts are
# remembered (they never change: the patterns are fixed at import). The texts are at most
# INPUT_MAX_CHARS long: about 4 MB for 1024 of 4,000 characters.
@functools.lru_cache(maxsize=1024)
def _match(query: str) -> Verdict:
    text = normalize(query)
    variants = {"text": (text, despace(text)), "squashed": (squash(text),)}
    for pattern in PATTERNS:
        for candidate in variants[pattern.variant]:
            if pattern.matches(candidate):
                if pattern.unless is not None and pattern.unless.search(text):
                    break
                return Verdict(pattern.category, pattern.name)
    return Verdict()


def guarded_history(history: list[BaseMessage], *, max_chars: int) -> list[BaseMessage]:
    """`history` without the user turns the guard refuses, nor the replies to them."""
    kept: list[BaseMessage] = []
    refused: list[str] = []
    skip_reply = False
    for message in history:
        if isinstance(message, HumanMessage):
            verdict = inspect(message.text, max_chars=max_chars)
            skip_reply = verdict.blocked
            if verdict.blocked:
                refused.append(f"{verdict.reason}:{verdict.pattern}")
                continue
        elif skip_reply:
            skip_reply = False
            continue
        kept.append(message)
    if refused:
        logger.info("input guard dropped history turns: %s", ", ".join(refused))
    return kept


async def input_guard(state: AgentState) -> dict[str, Any]:
    """Graph node: set `is_blocked` and `block_reason`; drop refused turns from `history`."""
    max_chars = settings.INPUT_MAX_CHARS
    verdict = inspect(state["query"], max_chars=max_chars)
    update: dict[str, Any] = {"is_blocked": verdict.blocked, "block_reason": verdict.reason}
    history = state.get("history") or []
    if not verdict.blocked and history:
        kept = guarded_history(history, max_chars=max_chars)
        if len(kept) != len(history):
            update["history"] = kept
    return update
