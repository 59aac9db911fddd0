"""The guard's learned layer: a character n-gram classifier beside the patterns.

It reads the cleaned text (`normalize.clean`) and answers benign, prompt_injection or
harmful_content with a probability; the guard blocks only above BLOCK_PROBABILITY, chosen
on the training data's cross-validation (`training.py`) so look-alikes rarely cross it.
The model file is built by `manage.py train_guard` and loaded once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path

from routing.textclf.model import TextClassifier, load

MODEL_PATH = Path(__file__).with_name("data") / "guard_model.npz"
BENIGN = "benign"
# Long texts are read in windows: one attack sentence inside a long benign text still
# dominates its window, while the whole text's features would dilute it. Eight windows
# cover INPUT_MAX_CHARS (4,000); past that only the patterns read the rest.
WINDOW_CHARS = 500
MAX_WINDOWS = 8


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
    """Consecutive slices of about WINDOW_CHARS, cut at a space so no word is split."""
    windows: list[str] = []
    while text and len(windows) < MAX_WINDOWS:
        cut = len(text) if len(text) <= WINDOW_CHARS else text.rfind(" ", 0, WINDOW_CHARS)
        if cut <= 0:
            cut = WINDOW_CHARS
        windows.append(text[:cut])
        text = text[cut:].lstrip()
    return windows or [""]
