"""Fit a TextClassifier with scikit-learn: tf-idf character n-grams and logistic regression."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from routing.textclf.features import char_ngrams
from routing.textclf.model import TextClassifier


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    ngram_range: tuple[int, int] = (1, 5),
    min_df: int = 1,
    max_features: int | None = 60_000,
    c: float = 10.0,
    class_weight: str | dict | None = "balanced",
    meta: dict | None = None,
) -> TextClassifier:
    """Fit on labelled texts (at least two classes) and export the model as plain arrays."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    if len(set(labels)) < 2:
        raise ValueError("training needs at least two classes")
    vectorizer = TfidfVectorizer(
        analyzer=partial(char_ngrams, min_n=ngram_range[0], max_n=ngram_range[1]),
        sublinear_tf=True,
        min_df=min_df,
        max_features=max_features,
        dtype=np.float64,
    )
    features = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(C=c, class_weight=class_weight, max_iter=2000)
    classifier.fit(features, list(labels))
    return TextClassifier(
        classes=tuple(str(label) for label in classifier.classes_),
        vocabulary={term: int(index) for term, index in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_.astype(np.float64),
        weights=classifier.coef_.T.astype(np.float64),
        intercept=classifier.intercept_.astype(np.float64),
        ngram_range=ngram_range,
        meta={"training_examples": len(texts), **(meta or {})},
    )
