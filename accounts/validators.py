"""Username rules beyond Django's: one script per name, so a Cyrillic "a" in "alice" is refused."""

from __future__ import annotations

from confusable_homoglyphs import categories
from django.core.exceptions import ValidationError

from accounts.messages import USERNAME_MIXED_SCRIPTS

# Digits, punctuation (Common) and combining marks (Inherited) go with any script.
_NEUTRAL = {"COMMON", "INHERITED"}
# Writing systems that mix scripts by nature: Japanese (kanji and kana), Korean (hangul, hanja).
_NATURAL_MIXES = ({"HAN", "HIRAGANA", "KATAKANA"}, {"HANGUL", "HAN"})


def username_scripts(value: str) -> set[str]:
    """The Unicode scripts of a name's letters (Latin, Cyrillic, Greek, Han, ...)."""
    return categories.unique_aliases(value) - _NEUTRAL


def validate_single_script_username(value: str) -> None:
    scripts = username_scripts(value)
    if len(scripts) <= 1 or any(scripts <= mix for mix in _NATURAL_MIXES):
        return
    raise ValidationError(
        USERNAME_MIXED_SCRIPTS,
        code="mixed_scripts",
        params={"scripts": ", ".join(sorted(s.title() for s in scripts))},
    )
