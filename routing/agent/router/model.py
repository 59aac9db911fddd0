"""The pre-router's model: intent and complexity classifiers, calibration and threshold.

Two `routing.textclf` classifiers over the same character n-grams. The intent scores are
divided by a temperature fitted at training time (so the confidence is a calibrated
probability) and compared with the threshold chosen on the held-out set; both numbers
travel in the intent model's file. Loaded once per process (`get_model`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from routing.agent.router.dataset import DATA_DIR
from routing.textclf.model import TextClassifier, load

INTENT_FILE = "intent.npz"
COMPLEXITY_FILE = "complexity.npz"
NEVER = 1.01  # a threshold no probability reaches: the pre-router never decides alone


@dataclass(frozen=True)
class Prediction:
    """What the pre-router thinks of a query."""

    intent: str
    complexity: str
    confidence: float  # calibrated probability of `intent`

    def as_dict(self) -> dict[str, str | float]:
        return {"intent": self.intent, "complexity": self.complexity, "confidence": self.confidence}


@dataclass(frozen=True)
class RouterModel:
    """The fitted pre-router."""

    intent: TextClassifier
    complexity: TextClassifier

    @property
    def temperature(self) -> float:
        return float(self.intent.meta.get("temperature", 1.0))

    @property
    def threshold(self) -> float:
        """The confidence from which the model decides alone (chosen on the held-out set)."""
        return float(self.intent.meta.get("threshold", NEVER))

    def intent_probabilities(self, text: str) -> dict[str, float]:
        scores = self.intent.decision(text) / self.temperature
        if len(self.intent.classes) == 2:
            positive = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return dict(zip(self.intent.classes, (1.0 - positive, positive), strict=True))
        exp = np.exp(scores - scores.max())
        return dict(zip(self.intent.classes, map(float, exp / exp.sum()), strict=True))

    def predict(self, text: str) -> Prediction:
        probabilities = self.intent_probabilities(text)
        intent = max(probabilities, key=probabilities.__getitem__)
        complexity, _ = self.complexity.predict(text)
        return Prediction(intent, complexity, probabilities[intent])

    def with_meta(self, **meta) -> RouterModel:
        """A copy whose intent model carries extra metadata (threshold, temperature...)."""
        intent = TextClassifier(
            classes=self.intent.classes,
            vocabulary=self.intent.vocabulary,
            idf=self.intent.idf,
            weights=self.intent.weights,
            intercept=self.intent.intercept,
            ngram_range=self.intent.ngram_range,
            meta={**self.intent.meta, **meta},
        )
        return RouterModel(intent=intent, complexity=self.complexity)

    def save(self, directory: str | Path) -> None:
        """Write both files; the intent file last, so a reader never sees a half-new pair
        for long (each file is itself replaced atomically)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, classifier in ((COMPLEXITY_FILE, self.complexity), (INTENT_FILE, self.intent)):
            partial = directory / f".{name}.tmp"
            classifier.save(partial)
            partial.replace(directory / name)


def load_model(directory: str | Path) -> RouterModel:
    directory = Path(directory)
    return RouterModel(
        intent=load(directory / INTENT_FILE), complexity=load(directory / COMPLEXITY_FILE)
    )


def model_dir() -> Path:
    """Where the gateway reads the model: ROUTER_MODEL_DIR once train_router has written
    there, else the model shipped in the package."""
    configured = settings.ROUTER_MODEL_DIR
    if configured and (Path(configured) / INTENT_FILE).exists():
        return Path(configured)
    return DATA_DIR


def save_dir() -> Path:
    """Where train_router writes: ROUTER_MODEL_DIR, else the package's own data folder."""
    return Path(settings.ROUTER_MODEL_DIR) if settings.ROUTER_MODEL_DIR else DATA_DIR


@functools.cache
def _load_cached(directory: str) -> RouterModel:
    return load_model(directory)


def get_model() -> RouterModel:
    """The process's model, loaded on first use."""
    return _load_cached(str(model_dir()))


def reset_model_cache() -> None:
    """Forget the loaded model (after train_router, or in tests)."""
    _load_cached.cache_clear()


def decision_threshold(model: RouterModel) -> float:
    """ROUTER_THRESHOLD when set (above 0), else the model's own threshold."""
    return settings.ROUTER_THRESHOLD or model.threshold
