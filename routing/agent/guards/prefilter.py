"""Literal prefilter for the input guard's patterns: skip a regex that cannot match.

A regex such as `\\b(?:ignore|disregard) ... (?:instructions|rules)` can only match text
that contains "ignore" or "disregard", and "instructions" or "rules". Python's `re` tries
every pattern at every position of a 4,000-character query, while `str.__contains__` finds
(or misses) a literal in a few microseconds; so each pattern keeps the literal sets it
needs, and its regex runs only on text holding a member of every set. Most text holds
none, and the guard costs a fraction of running every regex.

The sets are read from the regex's parse tree (`re._parser`, the parser `re.compile`
itself uses): consecutive literal characters, branches (sets that hold whichever
alternative matched), repeats of at least one. Whatever it cannot name — character
classes, `.`, optional parts, case-insensitive groups — needs nothing, so a set is only
ever missing, never wrong: the prefilter cannot change a verdict. (One alternation per
variant was measured too: slower than the loop, since `re` tries every alternative at
every position and loses each pattern's own literal-prefix scan.)
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

Needs = tuple[frozenset[str], ...]
# Measured: below about 50 characters running every regex costs less than the literal check.
PREFILTER_MIN_CHARS = 64

_ZERO_WIDTH = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}
# Sets a branch may yield (see _either): enough for the guard's patterns, never a blow-up.
_MAX_COMBINATIONS = 256


def required_literals(regex: re.Pattern[str]) -> Needs:
    """Sets of strings such that every match of `regex` contains a member of each set;
    the most selective (longest shortest member, then fewest members) first."""
    if regex.flags & re.IGNORECASE:
        return ()
    needs = _needs(sre_parse.parse(regex.pattern, regex.flags))
    return tuple(sorted({need for need in needs if "" not in need}, key=_selectivity))


def has_required_literals(needs: Needs, text: str) -> bool:
    """Whether `text` holds a member of every set (so the regex might match). Text shorter
    than PREFILTER_MIN_CHARS always passes: there the regex is cheaper than the check."""
    if len(text) < PREFILTER_MIN_CHARS:
        return True
    return all(any(literal in text for literal in need) for need in needs)


def _needs(items: Any) -> list[frozenset[str]]:
    needs: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the literals on both sides stay adjacent
        if run:
            needs.append(frozenset({"".join(run)}))
            run = []
        if op is sre.SUBPATTERN:
            _group, add_flags, _del_flags, body = av
            if not add_flags & re.IGNORECASE:
                needs += _needs(body)
        elif op is sre.ATOMIC_GROUP:
            needs += _needs(av)
        elif op in _REPEATS and av[0] >= 1:
            needs += _needs(av[2])
        elif op is sre.BRANCH:
            needs += _either(_needs(alternative) for alternative in av[1])
        # Anything else (a class, `.`, an optional repeat, a backreference) needs nothing.
    if run:
        needs.append(frozenset({"".join(run)}))
    return needs


def _either(alternatives: Iterable[list[frozenset[str]]]) -> list[frozenset[str]]:
    """What a branch needs: (A1 and A2) or (B1 and B2) == (A1 or B1) and (A1 or B2) and
    (A2 or B1) and (A2 or B2), each "or" the union of two sets. Only each alternative's
    most selective sets are combined, so the product stays small."""
    options = [_most_selective(needs) for needs in alternatives]
    if not options or not all(options):
        return []  # an alternative that needs nothing: so does the branch
    width = max(1, int(_MAX_COMBINATIONS ** (1 / len(options))))
    combinations = itertools.product(*(option[:width] for option in options))
    return [frozenset().union(*sets) for sets in combinations]


def _most_selective(needs: list[frozenset[str]]) -> list[frozenset[str]]:
    return sorted((need for need in needs if "" not in need), key=_selectivity)


def _selectivity(need: frozenset[str]) -> tuple:
    """Sort key, most selective first: the longest shortest member, then fewest members."""
    return (-min(map(len, need)), len(need), sorted(need))
