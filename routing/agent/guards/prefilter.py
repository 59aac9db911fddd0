"""Literal prefilter for the input guard's patterns: skip a regex that cannot match.

A regex such as `\\b(?:ignore|disregard) ... (?:instructions|rules)` can only match text
that contains "ignore" or "disregard", and "instructions" or "rules". Python's `re` tries
every pattern at every position of a 4,000-character query, so each pattern keeps the
literal sets it needs, and its regex runs only on text holding a member of every set. Most
text holds none, and the guard costs a fraction of running every regex.

The sets are read from the regex's parse tree (`re._parser`, the parser `re.compile`
itself uses): consecutive literal characters, branches (sets that hold whichever
alternative matched), repeats of at least one. Whatever it cannot name — character
classes, `.`, optional parts, case-insensitive groups — needs nothing, so a set is only
ever missing, never wrong: the prefilter cannot change a verdict. (One alternation per
variant was measured too: slower than the loop, since `re` tries every alternative at
every position and loses each pattern's own literal-prefix scan.)

`Prefilter` answers for all the patterns at once, in one pass over each form of the text.
Checking every pattern's sets with `in` in turn (one Python loop per pattern and form, some
200 per text) was four fifths of the guard's time on a short question. Instead one
Aho-Corasick automaton holds every literal of every set and reports each occurrence in the
text, overlapping ones included; each literal carries a bitmask of the sets it belongs to,
so OR-ing the masks found gives every satisfied set, and a pattern may match when all of
its bits are there. The walk over the text is the whole cost, so it is done in C by a
library (`pyahocorasick`): a trie or automaton written here would take an interpreter step
per character, slower than the loops it replaces. Literals of one or two ASCII characters
(" ", "a", "to") are in nearly every text, and each of their hundreds of occurrences in a
paragraph would cost a step of the Python loop over the matches, so they stay out of the
automaton and are checked with `in`, only for the patterns whose other sets all passed.
Short text is filtered too: running every regex on a 50-character question costs about
100 µs, the scan 3 µs (the per-pattern loops used to cost more than the regexes there).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

import ahocorasick

Needs = tuple[frozenset[str], ...]
# Literals shorter than this, all ASCII, are checked with `in` rather than scanned for: see
# the module docstring (" " or "e" would be found hundreds of times in a paragraph).
_SCANNED_MIN_CHARS = 3

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
    """Whether `text` holds a member of every set (so the regex might match). One pattern's
    check; `Prefilter` gives the same answer for many patterns in one scan."""
    # Plain loops: `all(any(...))` costs five times as much, its generators more than the
    # `in` checks themselves (Prefilter runs this for every pattern its scan lets through).
    for need in needs:
        for literal in need:
            if literal in text:
                break
        else:
            return False
    return True


class Prefilter:
    """Which of many patterns may match a text, from one scan of it.

    `needs` maps each pattern's key (its index in the caller's list) to its literal sets.
    `possible(text)` holds every key whose sets all have a member in `text`: exactly the
    patterns for which `has_required_literals` is true.

    Each pattern owns a run of bits, one per scanned set, with a spare bit above it. The
    scan sets the bits of the sets a text satisfies (never a spare bit); adding 1 at the
    bottom of every run then carries into a run's spare bit only when the whole run is set,
    and stops there. So one addition and one AND tell which patterns have all their scanned
    sets, without a Python loop over the patterns."""

    def __init__(self, needs: Mapping[int, Needs]) -> None:
        masks: dict[str, int] = {}  # literal -> bits of the sets it belongs to
        self._lowest = 0  # the bottom bit of every pattern's run
        self._spares = 0  # every pattern's spare bit
        # A pattern's spare bit -> its key and its sets checked with `in`.
        self._by_spare: dict[int, tuple[int, Needs]] = {}
        bit = 0
        for key, pattern_needs in needs.items():
            self._lowest |= 1 << bit
            common: list[frozenset[str]] = []
            for need in pattern_needs:
                # A set holding a common literal is checked whole with `in`: its other
                # members being absent says nothing while that one may be there.
                if any(_is_common(literal) for literal in need):
                    common.append(need)
                    continue
                for literal in need:
                    masks[literal] = masks.get(literal, 0) | 1 << bit
                bit += 1
            self._spares |= 1 << bit
            self._by_spare[bit] = (key, tuple(common))
            bit += 1
        self._automaton = _automaton(masks)

    def possible(self, text: str) -> set[int]:
        """The keys of the patterns whose regex may match `text` (the others cannot)."""
        complete = (self._found(text) + self._lowest) & self._spares
        possible: set[int] = set()
        while complete:
            spare = complete & -complete  # the lowest set bit
            complete ^= spare
            key, common = self._by_spare[spare.bit_length() - 1]
            if has_required_literals(common, text):
                possible.add(key)
        return possible

    def _found(self, text: str) -> int:
        """The bits of every scanned set that has a member in `text`."""
        found = 0
        if self._automaton is not None:
            for _end, mask in self._automaton.iter(text):
                found |= mask
        return found


def _is_common(literal: str) -> bool:
    return len(literal) < _SCANNED_MIN_CHARS and literal.isascii()


def _automaton(masks: dict[str, int]) -> ahocorasick.Automaton | None:
    """An automaton reporting each literal's mask wherever it occurs; None without any
    literal (an empty automaton cannot be searched). It is never changed once made, and a
    search holds the GIL and keeps its state in its own iterator, so threads share it."""
    if not masks:
        return None
    automaton = ahocorasick.Automaton()
    for literal, mask in masks.items():
        automaton.add_word(literal, mask)
    automaton.make_automaton()
    return automaton


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
