"""The guard's verdict on one text: patterns first, then the learned layer.

Every form of the text (`normalize.variants`) goes through the patterns; the cleaned form
through the classifier; what the text hides (`normalize.decoded`: base64, reversed) goes
through both, once (a decoded text is not decoded again).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from routing.agent.guards import learned
from routing.agent.guards.normalize import (
    clean,
    decoded,
    normalize,
    respaced,
    unleet,
    unmark,
    variants,
)
from routing.agent.guards.patterns import PATTERNS
from routing.agent.guards.prefilter import Prefilter


@dataclass(frozen=True)
class Verdict:
    """The guard's decision: `reason` is None when the input may pass."""

    reason: str | None = None
    pattern: str | None = None  # the pattern's name, "learned" or "input_too_long"

    @property
    def blocked(self) -> bool:
        return self.reason is not None


PASS = Verdict()


def inspect(query: str, *, max_chars: int | None, learned_layer: bool = True) -> Verdict:
    """Check one text (`max_chars` None: no length limit, e.g. an assistant turn)."""
    if max_chars is not None and len(query) > max_chars:
        return Verdict("input_too_long", "input_too_long")
    return match(query, learned_layer=learned_layer)


# A conversation's turns are checked again on every later turn, so verdicts are remembered
# (they never change: patterns and model are fixed at import). About 4 MB for 1024 texts of
# 4,000 characters.
@functools.lru_cache(maxsize=1024)
def match(query: str, *, hidden: bool = True, learned_layer: bool = True) -> Verdict:
    """The first pattern that matches any form of `query`, else (with `learned_layer`) the
    classifier's verdict; with `hidden`, what the text encodes is checked the same way."""
    text = normalize(query)
    verdict = _patterns(text)
    if verdict.blocked:
        return verdict
    spelled = respaced(query)
    if spelled is not None:
        verdict = match(spelled, hidden=False, learned_layer=learned_layer)
        if verdict.blocked:
            return verdict
    if learned_layer:
        label, probability = learned.classify(unleet(unmark(text)))
        if probability >= learned.block_probability():
            return Verdict(label, "learned")
    if hidden:
        for plain in decoded(query, text):
            verdict = match(plain, hidden=False, learned_layer=learned_layer)
            if verdict.blocked:
                return verdict
    return PASS


def inspect_turns(
    query: str, turns: Iterable[tuple[str, str]], *, max_chars: int
) -> tuple[Verdict, int | None]:
    """The verdict on a request: its query, then every prior turn it carries, user and
    assistant alike (a client can forge either). Returns the first refusal with the index
    of the turn that caused it (None: the query itself, or nothing refused).

    Assistant turns have no length limit (answers are often longer than questions may be)
    and are read by the patterns only: the classifier learned what people ask, and a
    model's long explanatory prose is not that; a false alarm there would refuse the rest
    of a conversation."""
    verdict = inspect(query, max_chars=max_chars)
    if verdict.blocked:
        return verdict, None
    for index, (role, content) in enumerate(turns):
        user = role == "user"
        verdict = inspect(content, max_chars=max_chars if user else None, learned_layer=user)
        if verdict.blocked:
            return verdict, index
    return PASS, None


# One per variant: a "text" form is only ever read by "text" patterns, and so on.
_PREFILTERS = {
    variant: Prefilter({i: p.needs for i, p in enumerate(PATTERNS) if p.variant == variant})
    for variant in ("text", "squashed")
}


def _patterns(text: str) -> Verdict:
    """The first pattern (in PATTERNS' order) whose regex matches a form of `text` and whose
    look-alike context (`unless`) does not. A regex runs only on the forms the prefilter
    allows it, so most never run at all."""
    forms, squashed = variants(text)
    candidates = {
        "text": _screened("text", forms),
        "squashed": _screened("squashed", squashed),
    }
    possible = set().union(*(keys for screened in candidates.values() for _, keys in screened))
    for index in sorted(possible):
        pattern = PATTERNS[index]
        for candidate, keys in candidates[pattern.variant]:
            if index in keys and pattern.regex.search(candidate):
                unless = pattern.unless
                if unless is not None and (unless.search(text) or unless.search(candidate)):
                    break
                return Verdict(pattern.category, pattern.name)
    return PASS


def _screened(variant: str, forms: tuple[str, ...]) -> list[tuple[str, set[int]]]:
    """Each form with the indices of the patterns of `variant` that may match it."""
    prefilter = _PREFILTERS[variant]
    return [(form, prefilter.possible(form)) for form in forms]


__all__ = ["PASS", "Verdict", "clean", "inspect", "inspect_turns", "match"]
