"""Fitting the pre-router: both classifiers, the temperature, and the threshold.

The temperature is fitted on cross-validated scores of the training set (scores of a model
that did not see the query), so the confidence is calibrated rather than the training
fit's over-confidence. The threshold is the lowest confidence at which the decisions the
model takes alone are still at least TARGET_PRECISION correct, both on the held-out set
and on those cross-validated scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from threadpoolctl import threadpool_limits

from routing.agent.router.dataset import Example
from routing.agent.router.model import NEVER, RouterModel
from routing.textclf.model import TextClassifier
from routing.textclf.train import train

TARGET_PRECISION = 0.97
MIN_THRESHOLD = 0.5  # below this the model is not sure of anything
NGRAM_RANGE = (1, 5)
INTENT_C = 10.0
COMPLEXITY_C = 10.0
FOLDS = 5


def fit(examples: Sequence[Example], *, meta: dict | None = None) -> RouterModel:
    """Fit intent and complexity on `examples`; the threshold is set later (`with_threshold`)."""
    # One BLAS thread: on a busy machine OpenBLAS's thread pool makes these small fits
    # twenty times slower, not faster.
    with threadpool_limits(limits=1):
        return _fit(examples, meta)


def _fit(examples: Sequence[Example], meta: dict | None) -> RouterModel:
    texts = [e.text for e in examples]
    intent = train(texts, [e.intent for e in examples], ngram_range=NGRAM_RANGE, c=INTENT_C)
    complexity = train(
        texts, [e.complexity for e in examples], ngram_range=NGRAM_RANGE, c=COMPLEXITY_C
    )
    model = RouterModel(intent=as_stored(intent), complexity=as_stored(complexity))
    scores, labels = cross_validated_scores(examples, intent.classes)
    temperature = fit_temperature(scores, labels)
    calibration = {"temperature": temperature}
    if len(labels):
        probabilities = softmax(scores / temperature, axis=1)
        calibration["cv_threshold"] = choose_threshold(
            probabilities.max(axis=1).tolist(),
            (probabilities.argmax(axis=1) == labels).tolist(),
        )
    return model.with_meta(**calibration, **(meta or {}))


def as_stored(classifier: TextClassifier) -> TextClassifier:
    """The classifier with the precision its file keeps (float32), so the threshold chosen
    now is exact for the model the gateway will load."""
    return replace(
        classifier,
        idf=classifier.idf.astype(np.float32).astype(np.float64),
        weights=classifier.weights.astype(np.float32).astype(np.float64),
    )


def cross_validated_scores(
    examples: Sequence[Example], classes: tuple[str, ...], folds: int = FOLDS
) -> tuple[np.ndarray, np.ndarray]:
    """Intent scores of each example by a model that did not see it, and the label index.

    Empty when a fold would miss a class (too little data to cross-validate)."""
    scores, labels = [], []
    order = np.random.default_rng(0).permutation(len(examples))
    for fold in range(folds):
        held = {int(i) for i in order[fold::folds]}
        seen = [e for i, e in enumerate(examples) if i not in held]
        if tuple(sorted({e.intent for e in seen})) != classes or len(classes) < 3:
            return np.empty((0, len(classes))), np.empty(0, dtype=int)
        model = train(
            [e.text for e in seen], [e.intent for e in seen], ngram_range=NGRAM_RANGE, c=INTENT_C
        )
        for i in sorted(held):
            scores.append(model.decision(examples[i].text))
            labels.append(classes.index(examples[i].intent))
    return np.vstack(scores), np.array(labels)


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the log loss of cross-validated intent scores (1.0 when
    there are none, e.g. two classes: the sigmoid's own scale is kept)."""
    if not len(labels):
        return 1.0

    def loss(log_t: float) -> float:
        return float(
            -log_softmax(scores / np.exp(log_t), axis=1)[np.arange(len(labels)), labels].mean()
        )

    return float(np.exp(minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded").x))


def choose_threshold(
    confidences: Sequence[float], correct: Sequence[bool], target: float = TARGET_PRECISION
) -> float:
    """The lowest threshold whose decisions (confidence >= threshold) are >= target correct.

    NEVER when no threshold reaches the target. Ties are kept together: a threshold takes
    every query at its confidence or none of them.
    """
    pairs = sorted(zip(confidences, correct, strict=True), key=lambda pair: -pair[0])
    best, taken, right = NEVER, 0, 0
    for index, (confidence, ok) in enumerate(pairs):
        taken, right = taken + 1, right + ok
        is_last_of_tie = index + 1 == len(pairs) or pairs[index + 1][0] < confidence
        if is_last_of_tie and right / taken >= target and confidence >= MIN_THRESHOLD:
            best = confidence
    return best


def with_threshold(model: RouterModel, heldout: Sequence[Example]) -> RouterModel:
    """The model with its threshold: the lowest at which its decisions alone are at least
    TARGET_PRECISION right both on `heldout` and in cross-validation on its own training
    set, so one lucky held-out set cannot lower it."""
    predictions = [model.predict(e.text) for e in heldout]
    heldout_threshold = choose_threshold(
        [p.confidence for p in predictions],
        [p.intent == e.intent for p, e in zip(predictions, heldout, strict=True)],
    )
    cv_threshold = float(model.intent.meta.get("cv_threshold", MIN_THRESHOLD))
    return model.with_meta(
        threshold=max(heldout_threshold, cv_threshold),
        heldout_threshold=heldout_threshold,
        target_precision=TARGET_PRECISION,
    )
