"""Input guard: blocks over-long input, prompt injection and harmful requests.

Matching runs on normalised text so trivial obfuscation does not pass: Unicode NFKC,
accents and format characters (zero-width spaces and joiners, U+2060, BOM, soft hyphen,
bidi marks) removed, Cyrillic/Greek look-alikes mapped to Latin, case-folded, whitespace
collapsed; plus a de-spaced form ("i g n o r e" -> "ignore") and a squashed form with all
spaces and punctuation gone and leetspeak undone ("1gn0r3" -> "ignore"). Only the query is
checked: history holds earlier turns that were already checked (or refused).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from routing.agent.guard_patterns import PATTERNS
from routing.agent.state import AgentState

_LOOKALIKES = str.maketrans(
    "асеіјорѕухԁһԛԝаеорсухΑΒΕΖΗΙΚΜΝΟΡΤΥΧαιονρτυχ",
    "aceijopsyxdhqwaeopcyxabezhikmnoptyxaiovptux",
)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_SPACED_LETTERS = re.compile(r"(?:\b\w\b[\W_]{1,3}){2,}\b\w\b")


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
    """Check one query; the first matching pattern decides."""
    if len(query) > max_chars:
        return Verdict("input_too_long")
    text = normalize(query)
    variants = {"text": (text, despace(text)), "squashed": (squash(text),)}
    for pattern in PATTERNS:
        for candidate in variants[pattern.variant]:
            if pattern.regex.search(candidate):
                if pattern.unless is not None and pattern.unless.search(text):
                    break
                return Verdict(pattern.category, pattern.name)
    return Verdict()


async def input_guard(state: AgentState) -> dict[str, Any]:
    """Graph node: set `is_blocked` and `block_reason`."""
    verdict = inspect(state["query"], max_chars=settings.INPUT_MAX_CHARS)
    return {"is_blocked": verdict.blocked, "block_reason": verdict.reason}
