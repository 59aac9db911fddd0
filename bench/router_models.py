"""Which model for the fast pre-router: measured on the shipped held-out set.

python -m bench.router_models

Every candidate trains on routing/agent/router/data/train.tsv and is scored on
heldout.tsv: accuracy, the coverage it reaches when its threshold is chosen (as the
shipped model's is) for >= 97 % precision of the decisions taken alone, the CPU time of one
prediction (single queries, as the gateway calls it) and its model size. Only what runs
here offline is compared: embedding models that ship inside a PyPI package would need an
install (and most download weights at run time), see docs/ROUTER.md.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from routing.agent.router.dataset import HELDOUT_PATH, TRAIN_PATH, read_examples
from routing.agent.router.training import TARGET_PRECISION, choose_threshold, fit
from routing.textclf.features import char_ngrams

# The keyword table the classifier's fallback used before the pre-router (for reference).
_KEYWORDS = {
    "search": re.compile(
        r"\b(?:latest|news|today|current(?:ly)?|recent(?:ly)?|this week|price of|weather|"
        r"who won|score|search|look up|stock)\b|최신|뉴스|오늘|현재|요즘|최근|날씨|검색|주가|시세"
    ),
    "analysis": re.compile(
        r"\b(?:analy[sz]e|analysis|compare|comparison|pros and cons|trade-?offs?|versus|vs\.?|"
        r"evaluate|why does|impact of|differences? between)\b|분석|비교|장단점|차이점|영향|평가"
    ),
    "creative": re.compile(
        r"\b(?:write|poem|story|lyrics|slogan|essay|haiku|novel|script|calculate|compute|"
        r"what time|date today|summari[sz]e (?:this|the) (?:url|page|link)|https?://)\b"
        r"|시를|소설|이야기|가사|작성|써줘|계산|몇 시|요약해"
    ),
}

Predict = Callable[[str], tuple[str, float]]


@dataclass
class Row:
    name: str
    accuracy: float
    coverage: float
    precision: float
    threshold: float
    cpu_ms: float
    size_kb: float


def keyword_table(text: str) -> tuple[str, float]:
    folded = text.casefold()
    for name, pattern in _KEYWORDS.items():
        if pattern.search(folded):
            return name, 0.3
    return "general", 0.1


def sklearn_candidate(estimator, features) -> tuple[Predict, float]:
    texts = [e.text for e in TRAIN]
    pipeline = make_pipeline(features, estimator).fit(texts, [e.intent for e in TRAIN])
    classes = list(pipeline.classes_)

    def predict(text: str) -> tuple[str, float]:
        probabilities = pipeline.predict_proba([text])[0]
        best = int(np.argmax(probabilities))
        return classes[best], float(probabilities[best])

    buffer = io.BytesIO()
    import pickle

    pickle.dump(pipeline, buffer)
    return predict, buffer.tell() / 1024


def shipped_candidate() -> tuple[Predict, float]:
    import tempfile
    from pathlib import Path

    model = fit(TRAIN)

    def predict(text: str) -> tuple[str, float]:
        guess = model.predict(text)
        return guess.intent, guess.confidence

    with tempfile.TemporaryDirectory() as directory:
        model.save(directory)
        size = sum(p.stat().st_size for p in Path(directory).iterdir()) / 1024
    return predict, size


def score(name: str, predict: Predict, size_kb: float, decides_alone: bool = True) -> Row:
    started = time.process_time()
    predictions = [predict(e.text) for e in HELDOUT]
    cpu_ms = 1000 * (time.process_time() - started) / len(HELDOUT)
    correct = [p[0] == e.intent for p, e in zip(predictions, HELDOUT, strict=True)]
    # The keyword table has no confidence: a keyword match is its decision.
    threshold = choose_threshold([p[1] for p in predictions], correct) if decides_alone else 0.3
    alone = [ok for p, ok in zip(predictions, correct, strict=True) if p[1] >= threshold]
    return Row(
        name,
        accuracy=sum(correct) / len(correct),
        coverage=len(alone) / len(correct),
        precision=sum(alone) / len(alone) if alone else 0.0,
        threshold=threshold,
        cpu_ms=cpu_ms,
        size_kb=size_kb,
    )


def char_features(low: int, high: int) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=partial(char_ngrams, min_n=low, max_n=high), sublinear_tf=True)


def candidates():
    lr = partial(LogisticRegression, C=10.0, class_weight="balanced", max_iter=2000)
    yield "keyword table (before)", keyword_table, 0.0, False
    yield "char 1-5 + logistic, calibrated (shipped)", *shipped_candidate(), True
    yield "char 1-3 + logistic (sklearn)", *sklearn_candidate(lr(), char_features(1, 3)), True
    yield "char 1-5 + logistic (sklearn)", *sklearn_candidate(lr(), char_features(1, 5)), True
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    yield "word 1-2 + logistic (sklearn)", *sklearn_candidate(lr(), words), True
    svm = CalibratedClassifierCV(LinearSVC(C=1.0, class_weight="balanced"), cv=5)
    yield (
        "char 1-5 + linear SVM, sigmoid (sklearn)",
        *sklearn_candidate(svm, char_features(1, 5)),
        True,
    )
    nb = ComplementNB(alpha=0.3)
    yield "char 1-5 + complement NB (sklearn)", *sklearn_candidate(nb, char_features(1, 5)), True


TRAIN = read_examples(TRAIN_PATH)
HELDOUT = read_examples(HELDOUT_PATH)


def main() -> None:
    print(
        f"train {len(TRAIN)} queries, held-out {len(HELDOUT)}; target precision "
        f"{TARGET_PRECISION:.0%}\n"
    )
    print(
        "| model | accuracy | coverage at ≥ 97 % | precision there | threshold "
        "| CPU ms/query | model KB |"
    )
    print("|---|---|---|---|---|---|---|")
    with threadpool_limits(limits=1):
        for name, predict, size, alone in candidates():
            row = score(name, predict, size, alone)
            print(
                f"| {row.name} | {row.accuracy:.1%} | {row.coverage:.1%} | {row.precision:.1%} "
                f"| {row.threshold:.3f} | {row.cpu_ms:.3f} | {row.size_kb:.0f} |"
            )


if __name__ == "__main__":
    main()
