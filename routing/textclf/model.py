"""A fitted text classifier as plain arrays: tf-idf vocabulary, weights, classes.

Saved as a compressed `.npz` read with `allow_pickle=False`, so loading a model file runs
no code. Prediction is a hand-written sparse dot product: scikit-learn's per-call
overhead (validation, sparse matrix construction) is ~100 times the arithmetic.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from routing.textclf.features import prepare, word_ngrams

FORMAT_VERSION = 1
# Words seen before skip n-gram extraction: most words of a text (and of the next) repeat.
WORD_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class TextClassifier:
    """Linear model over sublinear tf-idf character n-grams, L2-normalised."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_features,)
    weights: np.ndarray  # (n_features, n_classes), or (n_features, 1) for two classes
    intercept: np.ndarray  # (n_classes,) or (1,)
    ngram_range: tuple[int, int]
    meta: dict = field(default_factory=dict)
    _words: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Indices and tf-idf values (L2-normalised) of the known n-grams in `text`."""
        counts: Counter[int] = Counter()
        for word in prepare(text).split(" "):
            if word:
                counts.update(self._word_features(word))
        if not counts:
            return np.empty(0, dtype=np.int64), np.empty(0)
        indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        values = tf * self.idf[indices]
        return indices, values / math.sqrt(float(values @ values))

    def _word_features(self, word: str) -> tuple[int, ...]:
        found = self._words.get(word)
        if found is None:
            vocabulary = self.vocabulary
            grams = word_ngrams(word, *self.ngram_range)
            found = tuple(i for gram in grams if (i := vocabulary.get(gram)) is not None)
            if len(self._words) >= WORD_CACHE_SIZE:
                self._words.clear()
            self._words[word] = found
        return found

    def decision(self, text: str) -> np.ndarray:
        indices, values = self.features(text)
        return values @ self.weights[indices] + self.intercept

    def predict_proba(self, text: str) -> dict[str, float]:
        """Probability of each class (logistic: sigmoid for two classes, softmax beyond)."""
        scores = self.decision(text)
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return {self.classes[0]: 1.0 - positive, self.classes[1]: positive}
        exp = np.exp(scores - scores.max())
        probabilities = exp / exp.sum()
        return dict(zip(self.classes, map(float, probabilities), strict=True))

    def predict(self, text: str) -> tuple[str, float]:
        """The most probable class and its probability."""
        probabilities = self.predict_proba(text)
        label = max(probabilities, key=probabilities.__getitem__)
        return label, probabilities[label]

    def save(self, path: str | Path) -> None:
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        header = {
            "format": FORMAT_VERSION,
            "classes": list(self.classes),
            "ngram_range": list(self.ngram_range),
            "meta": self.meta,
        }
        with open(path, "wb") as file:
            np.savez_compressed(
                file,
                header=np.array(json.dumps(header)),
                terms=np.array(terms, dtype=str),
                idf=self.idf.astype(np.float32),
                weights=self.weights.astype(np.float32),
                intercept=self.intercept.astype(np.float64),
            )


def load(path: str | Path) -> TextClassifier:
    """Read a model file written by `TextClassifier.save` (no pickle: no code runs)."""
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        if header.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown text classifier format in {path}: {header.get('format')}")
        terms = data["terms"].tolist()
        return TextClassifier(
            classes=tuple(header["classes"]),
            vocabulary={term: index for index, term in enumerate(terms)},
            idf=data["idf"].astype(np.float64),
            weights=data["weights"].astype(np.float64),
            intercept=data["intercept"],
            ngram_range=tuple(header["ngram_range"]),
            meta=header["meta"],
        )
