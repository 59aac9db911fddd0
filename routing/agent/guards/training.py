"""Build the learned layer's model from the shipped training set (`data/training.json`).

`manage.py train_guard` calls `build`: expand the templates, clean every text as the guard
will (`normalize.clean`), fit the shared text classifier (`routing.textclf`), pick the
blocking probability by cross-validation on the training set (the lowest, from
MIN_BLOCK_PROBABILITY up, that keeps benign texts under MAX_FALSE_POSITIVES), and write
`data/guard_model.npz`.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from routing.agent.guards.learned import BENIGN, MODEL_PATH
from routing.agent.guards.normalize import clean
from routing.textclf.model import TextClassifier
from routing.textclf.train import train

TRAINING_PATH = Path(__file__).with_name("data") / "training.json"
FOLDS = 5
# Cross-validated share of benign training texts the chosen probability may block.
MAX_FALSE_POSITIVES = 0.002
# Never below this: the cross-validated choice moves with the training set's size (0.775 to
# 0.9 while it grew), and below 0.85 benign look-alikes of the evaluation set start to be
# blocked ("write a system prompt for my recipe assistant"; docs/RELIABILITY.md).
MIN_BLOCK_PROBABILITY = 0.85
THRESHOLDS = tuple(round(0.5 + 0.025 * i, 3) for i in range(19))  # 0.5 .. 0.95
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def examples(path: Path = TRAINING_PATH) -> list[Example]:
    """The training set: template expansions and the written-out examples, no repeats."""
    data = json.loads(path.read_text(encoding="utf-8"))
    found: list[Example] = []
    for family in data["families"]:
        texts = list(_expand(family["template"], data["slots"], family.get("expand", {})))
        random.Random(f"{data['seed']}:{family['template']}").shuffle(texts)  # noqa: S311 (reproducible, not secret)
        found += [Example(text, family["label"]) for text in texts[: family["max"]]]
    for label, texts in data["examples"].items():
        found += [Example(text, label) for text in texts]
    excluded = {clean(text) for text in data.get("exclude", ())}
    unique = {clean(e.text): e for e in found if clean(e.text) not in excluded}
    return list(unique.values())


def _expand(template: str, slots: dict[str, list[str]], inner: dict[str, str]) -> Iterator[str]:
    names = _SLOT.findall(template)
    for values in itertools.product(*(slots[name] for name in names)):
        text = template
        for name, value in zip(names, values, strict=True):
            text = text.replace("{" + name + "}", value, 1)
        for placeholder, slot in inner.items():  # values that hold slots of their own
            if "{" + placeholder + "}" in text:
                for value in slots[slot]:
                    yield _tidy(text.replace("{" + placeholder + "}", value))
                break
        else:
            yield _tidy(text)


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def fit(training: list[Example], **meta) -> TextClassifier:
    return train([clean(e.text) for e in training], [e.label for e in training], meta=meta)


def cross_validated(training: list[Example]) -> list[tuple[Example, float]]:
    """Each example with the harmful probability a model not trained on it gives it."""
    shuffled = training[:]
    random.Random(0).shuffle(shuffled)  # noqa: S311 (reproducible folds, not secret)
    scored: list[tuple[Example, float]] = []
    for fold in range(FOLDS):
        held_out = shuffled[fold::FOLDS]
        rest = [e for i, e in enumerate(shuffled) if i % FOLDS != fold]
        model = fit(rest)
        for example in held_out:
            probabilities = model.predict_proba(clean(example.text))
            scored.append((example, 1.0 - probabilities[BENIGN]))
    return scored


def choose_threshold(scored: list[tuple[Example, float]]) -> tuple[float, float, float]:
    """(blocking probability, cross-validated recall, false positive rate) at it."""
    attacks = [p for e, p in scored if e.label != BENIGN]
    benign = [p for e, p in scored if e.label == BENIGN]
    for threshold in (t for t in THRESHOLDS if t >= MIN_BLOCK_PROBABILITY):
        false_positives = sum(p >= threshold for p in benign) / len(benign)
        if false_positives <= MAX_FALSE_POSITIVES:
            recall = sum(p >= threshold for p in attacks) / len(attacks)
            return threshold, recall, false_positives
    threshold = THRESHOLDS[-1]
    return threshold, sum(p >= threshold for p in attacks) / len(attacks), 1.0


def build(path: Path = MODEL_PATH) -> dict:
    """Train on the whole training set and write the model file; returns its figures."""
    training = examples()
    threshold, recall, false_positives = choose_threshold(cross_validated(training))
    counts = {
        label: sum(e.label == label for e in training)
        for label in sorted({e.label for e in training})
    }
    figures = {
        "block_probability": threshold,
        "cv_recall": round(recall, 4),
        "cv_false_positive_rate": round(false_positives, 4),
        "examples": counts,
    }
    fit(training, **figures).save(path)
    return figures
