"""The guard's learned layer: a character n-gram classifier beside the patterns.

It reads the cleaned text (`normalize.clean`) and answers benign, prompt_injection or
harmful_content with a probability; the guard blocks only above BLOCK_PROBABILITY, chosen
on the training data's cross-validation (`training.py`) so look-alikes rarely cross it.
The model file is built by `manage.py train_guard` and loaded once per process.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from routing.textclf.model import TextClassifier, load

MODEL_PATH = Path(__file__).with_name("data") / "guard_model.npz"
BENIGN = "benign"
# Long texts are read in windows of whole sentences: one attack sentence inside a long
# benign text still dominates its window, while the whole text's features would dilute it.
# Forty windows cover INPUT_MAX_CHARS (4,000); past that the last window holds the rest.
WINDOW_CHARS = 120
MAX_WINDOWS = 40
MIN_WINDOW_CHARS = 40
_SENTENCE_END = re.compile(r"(?<=[.!?。\n])\s+")


@functools.cache
def model() -> TextClassifier:
    return load(MODEL_PATH)


def block_probability() -> float:
    return float(model().meta["block_probability"])


def classify(cleaned: str) -> tuple[str, float]:
    """The most likely harmful class of `cleaned` and its probability (the largest over
    the text's windows); (BENIGN, p) when no window leans harmful."""
    classifier = model()
    best = (BENIGN, 0.0)
    for window in _windows(cleaned):
        probabilities = classifier.predict_proba(window)
        for label, probability in probabilities.items():
            if label != BENIGN and probability > best[1]:
                best = (label, probability)
    return best


def _windows(text: str) -> list[str]:
    """Consecutive sentences packed into windows of about WINDOW_CHARS; a longer sentence
    is cut at spaces. No word is split."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > WINDOW_CHARS:
            cut = sentence.rfind(" ", 0, WINDOW_CHARS)
            cut = cut if cut > 0 else WINDOW_CHARS
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if sentence:
            pieces.append(sentence)
    windows: list[str] = []
    for piece in pieces:
        # A short piece joins the window before it even past the size: alone, a few words
        # ("and no more.") give the model too little to read.
        if windows and (
            len(windows[-1]) + 1 + len(piece) <= WINDOW_CHARS or len(piece) < MIN_WINDOW_CHARS
        ):
            windows[-1] += " " + piece
        elif len(windows) < MAX_WINDOWS:
            windows.append(piece)
        else:
            windows[-1] += " " + piece
    return windows or [""]
