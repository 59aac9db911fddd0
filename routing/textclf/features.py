"""Character n-grams inside word boundaries: the classifier's only features."""

from __future__ import annotations

# Words longer than this are cut: a long token (a URL, a base64 blob) adds noise, not signal.
MAX_WORD_CHARS = 40


def prepare(text: str) -> str:
    """What the features see: lower case, one space between words."""
    return " ".join(text.lower().split())


def char_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """The n-grams (min_n..max_n characters) of each word padded with a space on both sides,
    as scikit-learn's `analyzer="char_wb"`; a word shorter than n gives itself once."""
    grams: list[str] = []
    for word in prepare(text).split(" "):
        if word:
            grams += word_ngrams(word, min_n, max_n)
    return grams


def word_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The n-grams of one word (no spaces in it), padded as in `char_ngrams`."""
    padded = f" {word[:MAX_WORD_CHARS]} "
    size = len(padded)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        if size <= n:
            grams.append(padded)
            break
        grams += [padded[start : start + n] for start in range(size - n + 1)]
    return grams
