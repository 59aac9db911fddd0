"""Look-alike letters to their Latin skeleton, from Unicode's confusables data.

The table comes from the `confusable-homoglyphs` package (Unicode's confusables.txt as
JSON): every non-ASCII character listed as confusable with an ASCII letter — directly or
through another look-alike (Cyrillic "т" -> small capital "ᴛ" -> "t") — maps to that letter:
Cyrillic, Greek, small capitals, Cherokee, Armenian, Coptic, Lisu, Georgian... Korean and
CJK characters are never mapped, so Korean text stays Korean.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from confusable_homoglyphs import confusables

# Directional marks wrap right-to-left entries in the data; they are not part of them.
_MARKS = "\u200e\u200f"
_LATIN_NAME = re.compile(
    r"LATIN (?:LETTER SMALL CAPITAL|SMALL CAPITAL LETTER|SMALL LETTER|CAPITAL LETTER) ([A-Z])$"
)
_CAPITAL_I = re.compile(r"(?:\bLETTER I|IOTA|PALOCHKA|BYELORUSSIAN-UKRAINIAN I)$")
# Small capitals are not all in confusables.txt: these blocks are read by name.
_SMALL_CAPITAL_BLOCKS = ((0x0250, 0x02B0), (0x1D00, 0x1DC0), (0xA720, 0xA800), (0xAB30, 0xAB70))
# Letters the data pairs with nothing Latin, though they pass for Latin in running text:
# Cyrillic lower case written like small capitals, Greek lower case (eta for n, nu for v).
_EXTRA = {
    "т": "t", "м": "m", "н": "h", "в": "b", "п": "n", "ь": "b",
    "χ": "x", "η": "n", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ρ": "p", "ω": "w",  # noqa: RUF001
    "υ": "u", "ε": "e", "α": "a", "ο": "o", "ς": "c", "μ": "u",  # noqa: RUF001
}  # fmt: skip
# Scripts whose text the guard reads as itself (Korean patterns), never as Latin.
_KEEP_PREFIXES = ("HANGUL", "CJK", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC", "HALFWIDTH HANGUL")


def _kept(char: str) -> bool:
    return unicodedata.name(char, "").startswith(_KEEP_PREFIXES)


def _graph() -> dict[str, set[str]]:
    """Each single character -> the single characters the data calls confusable with it."""
    graph: dict[str, set[str]] = {}
    for key, entries in confusables.confusables_data.items():
        for entry in entries:
            other = entry["c"].strip(_MARKS)
            if len(key) == 1 and len(other) == 1:
                graph.setdefault(key, set()).add(other)
                graph.setdefault(other, set()).add(key)
    return graph


def _named_letter(char: str) -> str | None:
    """The letter a Latin character's name ends with: "LATIN LETTER SMALL CAPITAL R" -> r."""
    match = _LATIN_NAME.match(unicodedata.name(char, ""))
    return match.group(1).lower() if match else None


def _choose(char: str, letters: set[str]) -> str:
    """One letter for a character confusable with several (Greek capital iota: I and l)."""
    name = unicodedata.name(char, "")
    last = name.rsplit(" ", 1)[-1].lower()
    if last in letters:  # "LISU LETTER I"
        return last
    if "l" in letters and _CAPITAL_I.search(name):
        return "i"  # confusables.txt folds I into l; a capital I look-alike reads as "i"
    return min(letters)


@functools.cache
def skeleton_table() -> dict[int, str]:
    """`str.translate` table: look-alike code point -> lower-case ASCII letter."""
    graph = _graph()
    small_capitals = [chr(c) for lo, hi in _SMALL_CAPITAL_BLOCKS for c in range(lo, hi)]
    candidates = [
        c
        for c in dict.fromkeys([*graph, *small_capitals])
        if not c.isascii() and not _kept(c) and unicodedata.category(c)[0] in "LS"
    ]
    letters: dict[str, str] = dict(_EXTRA)
    for char in candidates:
        if char in letters:
            continue
        named = _named_letter(char)
        direct = {n.lower() for n in graph.get(char, ()) if n.isascii() and n.isalpha()}
        if named or direct:
            letters[char] = named or _choose(char, direct)
    # Look-alikes of look-alikes: Cyrillic "т" is listed only beside small capital "ᴛ".
    for _ in range(2):
        for char in candidates:
            if char not in letters:
                through = {letters[n] for n in graph.get(char, ()) if n in letters}
                if through:
                    letters[char] = _choose(char, through)
    return {ord(char): letter for char, letter in letters.items()}
