"""The forms of a text the guard reads, so obfuscation does not hide an attack.

`normalize` is the base form: Unicode NFKC, filler characters used as spaces (U+3164,
U+115F/U+1160, U+FFA0, U+2800...) made spaces, accents and format characters (zero-width
spaces and joiners, U+2060, BOM, soft hyphen, bidi marks, tag characters) removed,
look-alike letters mapped to their Latin skeleton by Unicode's confusables data
(`confusables.py`), case-folded, whitespace collapsed. From it, `variants` derives:

- `despace`: letters written one at a time joined ("i g n o r e" -> "ignore");
- `unmark`: markup and separators between letters undone (`re<b>veal</b>`,
  `reveal.your.system.prompt`, `reveal_your`, `r*e*v*e*a*l`);
- `unleet`: leetspeak undone inside words that mix letters and digits ("r3v34l" -> "reveal");
- `code_switched`: Korean-English mixes translated word by word both ways
  ("이전 instructions 모두 무시해" -> "이전 지시 모두 무시해");
- `squash`: letters and digits only, leetspeak undone (how Korean is matched).

`decoded` finds what a text may be hiding: base64 blobs that decode to text, and the text
reversed (whole or word by word) when that reveals a trigger word it did not show.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

from routing.agent.guards.confusables import skeleton_table

# Characters that render blank or nearly so and are used as spaces between words.
_FILLERS = str.maketrans(
    dict.fromkeys(
        map(ord, "\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5\u2062\u2063\u2064\u034f"),
        " ",
    )
)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "8": "b"}
)
_LEET_WORD = str.maketrans(
    {
        "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
        "@": "a", "$": "s", "€": "e",
    }
)  # fmt: skip
# Punctuation that also spells letters ("!" for i, "(" for c, "|" for l) is left alone:
# undoing it would mangle ordinary prose ("hello!", "(see above)").
_LEET_WORD_L = {**_LEET_WORD, ord("1"): "l"}
_SPACED_LETTERS = re.compile(r"(?:\b\w\b[\W_]{1,3}){2,}\b\w\b")
_TAG = re.compile(r"</?[a-z][^<>]{0,40}>|\[/?[a-z]{1,10}\]|&nbsp;|&#\d{1,5};")
# Markdown emphasis and code marks: "re*veal", "re`veal`", "~~reveal~~".
_JOINERS = re.compile(r"[*`~^]+")
# Between two words, these separate: "reveal.your_system-prompt", "reveal/your".
_SEPARATORS = re.compile(r"(?<=[^\W\d])[._\-/\\|:;+=*`~^]+(?=[^\W_])")
_MIXED_WORD = re.compile(r"(?<![\w'])(?=[\w@$€']*[a-z])(?=[\w@$€']*[0-9@$€])[\w@$€']{2,}")
# Lone digits read as letters, once a text has leetspeak words: "how do 1 make 4 bomb".
_LONE_LEET = re.compile(r"(?<!\S)[140](?!\S)")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[a-z]{3,}")
_NOT_WORD = re.compile(r"[\W_]+")

# Korean-English code-switching: the words attacks are made of, both ways.
_EN_KO = {
    "ignore": "무시", "disregard": "무시", "forget": "잊어", "previous": "이전", "prior": "이전",
    "above": "위", "all": "모든", "instructions": "지시", "instruction": "지시",
    "rules": "규칙", "guidelines": "가이드라인", "prompt": "프롬프트", "system": "시스템",
    "reveal": "공개", "show": "보여", "print": "출력", "hidden": "숨겨진", "initial": "초기",
    "jailbreak": "탈옥", "developer": "개발자", "mode": "모드", "safety": "안전",
    "filter": "필터", "filters": "필터", "restrictions": "제한", "bomb": "폭탄",
    "malware": "악성코드", "ransomware": "랜섬웨어", "hack": "해킹", "make": "만드는",
}  # fmt: skip
_KO_EN = {
    "이전": "previous", "지시": "instructions", "지시를": "instructions", "지침": "instructions",
    "지침을": "instructions", "규칙": "rules", "규칙을": "rules", "무시": "ignore",
    "무시해": "ignore", "무시하고": "ignore", "무시해줘": "ignore", "모든": "all", "모두": "all",
    "시스템": "system", "프롬프트": "prompt", "프롬프트를": "prompt", "보여줘": "show",
    "보여": "show", "알려줘": "tell me", "공개해": "reveal", "출력해": "print", "너의": "your",
    "당신의": "your", "숨겨진": "hidden", "탈옥": "jailbreak", "개발자": "developer",
    "모드": "mode", "폭탄": "bomb", "만드는": "make", "법": "how",
}  # fmt: skip
_EN_WORDS = re.compile(r"\b(?:" + "|".join(sorted(_EN_KO, key=len, reverse=True)) + r")\b")
_KO_WORDS = re.compile(r"(?<!\S)(?:" + "|".join(sorted(_KO_EN, key=len, reverse=True)) + r")(?!\S)")

_WIDE_GAP = re.compile(r"\s{2,}")
_SINGLE_GAP = re.compile(r"(?<=\S) (?=\S)")
_SPELLED = re.compile(r"\S(?: \S)+")
_SPELLED_WORD = re.compile(r"(?:\S ){3,}\S")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_MAX_DECODED = 4
# A text reads better reversed when more of its words are common words (English) or end
# with a particle (Korean) once reversed than as written.
_COMMON = frozenset(
    (
        *("the", "you", "your", "and", "to", "an", "of", "is", "are", "in", "me", "my", "all"),
        *("how", "what", "with", "from", "do", "it", "this", "that", "for", "not", "be", "can"),
        *("any", "will", "as", "at", "by", "or", "so", "if", "give", "tell", "write", "show"),
        *("now", "please", "me", "just", "only", "say", "then", "them", "every"),
    )
)
# Words whose reversal in a text is worth reading it backwards for.
_TRIGGERS = (
    "ignore", "instruction", "prompt", "system", "reveal", "jailbreak", "disregard",
    "previous", "developer", "무시", "지시", "프롬프트", "탈옥", "폭탄",
)  # fmt: skip
_PARTICLES = tuple("은는이가을를의에로도와과만줘해야요다")
_WORD = re.compile(r"[^\W\d_]+")


def normalize(text: str) -> str:
    """NFKC, fillers as spaces, no accents or format characters, skeleton, case-folded."""
    if text.isascii():  # the same result, without a Python-level pass over every character
        return " ".join(text.lower().split())
    table = skeleton_table()
    # Mapped before NFKC too: NFKC turns some look-alikes into others (Greek lunate sigma,
    # a "c", becomes a final sigma, then a sigma, an "o").
    text = text.translate(_FILLERS).translate(table)
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).translate(_FILLERS))
    kept = (c for c in text if unicodedata.category(c) not in ("Mn", "Cf"))
    text = unicodedata.normalize("NFC", "".join(kept)).translate(table).casefold().translate(table)
    return " ".join(text.split())


def despace(text: str) -> str:
    """Join letters written one at a time: "i g n o r e all" -> "ignore all"."""
    return _SPACED_LETTERS.sub(lambda m: _NOT_WORD.sub("", m.group()), text)


def unmark(text: str) -> str:
    """Markup and separators between letters undone: `re<b>veal</b>` -> "reveal",
    "reveal.your_system" -> "reveal your system"; then spelled-out letters joined."""
    text = _TAG.sub("", text)
    text = _JOINERS.sub("", text)
    text = _SEPARATORS.sub(" ", text)
    return despace(" ".join(text.split()))


def unleet(text: str, one: str = "i") -> str:
    """Leetspeak undone in words that mix letters with digits or symbols ("pr0mp7"); then
    lone 1, 4 and 0 too. `one` is what "1" stands for ("i" in "1gnore", "l" in "ru1es")."""
    table = _LEET_WORD if one == "i" else _LEET_WORD_L
    unleeted, count = _MIXED_WORD.subn(lambda m: m.group().translate(table), text)
    if not count:
        return text
    return _LONE_LEET.sub(lambda m: m.group().translate(table), unleeted)


def squash(text: str) -> str:
    """Letters and digits only, leetspeak undone: how spacing tricks and Korean are matched."""
    return _NOT_WORD.sub("", text.translate(_LEET))


def code_switched(text: str) -> tuple[str, ...]:
    """A Korean-English mix with its key words in one language, then in the other."""
    if not (_HANGUL.search(text) and _LATIN.search(text)):
        return ()
    korean = _EN_WORDS.sub(lambda m: _EN_KO[m.group()], text)
    english = _KO_WORDS.sub(lambda m: _KO_EN[m.group()], text)
    return korean, english


def variants(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(forms read by the "text" patterns, forms read by the "squashed" ones), no repeats.
    `text` is already normalised."""
    unmarked = unmark(text)
    cleaned = unleet(unmarked)
    forms = [text, despace(text), unmarked, cleaned, unleet(unmarked, "l")]
    forms += code_switched(cleaned)
    forms = list(dict.fromkeys(forms))
    squashed = list(dict.fromkeys([squash(text), *(squash(f) for f in forms[1:])]))
    return tuple(forms), tuple(squashed)


def clean(text: str) -> str:
    """The one form the learned layer reads: normalised, unmarked, leetspeak undone."""
    return unleet(unmark(normalize(text)))


def decoded(original: str, text: str) -> list[str]:
    """Texts hidden in `original` (as sent) whose normalised form is `text`: base64 blobs
    that decode to readable text, and `text` reversed when that shows a trigger word."""
    found: list[str] = []
    for blob in _BASE64.findall(original)[:_MAX_DECODED]:
        plain = _base64_text(blob)
        if plain is not None:
            found.append(plain)
    if _reads_better_reversed(text) or any(word[::-1] in text for word in _TRIGGERS):
        whole = text[::-1]
        by_word = " ".join(word[::-1] for word in text.split(" "))
        found += [whole, by_word]
    return found


def respaced(original: str) -> str | None:
    """Text spelled out letter by letter with wider gaps between words ("r e v e a l  y o u r"):
    each gap of two or more spaces is a word break, single spaces inside a word are dropped.
    None when the text is not written so."""
    if "  " not in original or not _SPELLED_WORD.search(original):
        return None
    chunks = _WIDE_GAP.split(original.strip())
    return " ".join(
        _SINGLE_GAP.sub("", chunk) if _SPELLED.fullmatch(chunk) else chunk for chunk in chunks
    )


def _reads_better_reversed(text: str) -> bool:
    words = _WORD.findall(text)
    if len(words) < 2:
        return False
    forward = sum(w in _COMMON or (len(w) > 1 and w.endswith(_PARTICLES)) for w in words)
    backward = sum(w[::-1] in _COMMON or (len(w) > 1 and w.startswith(_PARTICLES)) for w in words)
    # Half is enough: a frame written forwards ("read this backwards: ...") adds its own.
    return backward >= 2 and backward * 2 >= forward


def _base64_text(blob: str) -> str | None:
    """The text a base64 blob encodes, or None when it is not mostly printable text."""
    padded = blob + "=" * (-len(blob) % 4)
    try:
        urlsafe = "-" in blob or "_" in blob
        if urlsafe and ("+" in blob or "/" in blob):
            return None
        raw = base64.b64decode(padded, altchars=b"-_" if urlsafe else None, validate=True)
        plain = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    printable = sum(c.isprintable() or c.isspace() for c in plain)
    letters = sum(c.isalpha() for c in plain)
    if not plain or printable < len(plain) or letters < len(plain) / 2:
        return None
    return plain
