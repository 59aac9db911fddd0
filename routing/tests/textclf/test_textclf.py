"""The shared text classifier: features, training, exported prediction, evaluation, files."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from routing.textclf.evaluate import evaluate
from routing.textclf.features import char_ngrams
from routing.textclf.model import load
from routing.textclf.train import train

WEATHER = [
    "what is the weather in seoul today",
    "will it rain tomorrow in busan",
    "forecast for the weekend please",
    "is it sunny in london right now",
    "how cold will it be tonight",
    "오늘 서울 날씨 어때",
    "내일 비 와?",
    "주말 일기예보 알려줘",
]
MATHS = [
    "what is 12 times 7",
    "solve 3x + 5 = 20",
    "integrate x squared from 0 to 1",
    "what is the square root of 144",
    "divide 100 by 8",
    "12 곱하기 7은?",
    "방정식 3x + 5 = 20 풀어줘",
    "144의 제곱근은?",
]
POEMS = [
    "write a poem about the sea",
    "a haiku about autumn leaves please",
    "compose a sonnet on lost love",
    "write me a short limerick about a cat",
    "a poem for my mother's birthday",
    "바다에 대한 시를 써줘",
    "가을에 관한 짧은 시 한 편",
    "사랑에 대한 소네트를 지어줘",
]
TEXTS = WEATHER + MATHS + POEMS
LABELS = ["weather"] * len(WEATHER) + ["maths"] * len(MATHS) + ["poem"] * len(POEMS)


@pytest.fixture(scope="module")
def model():
    return train(TEXTS, LABELS, ngram_range=(1, 4))


def test_char_ngrams_pad_each_word_like_char_wb():
    assert char_ngrams("Ab  c", 1, 2) == [
        *[" ", "a", "b", " ", " a", "ab", "b "],
        *[" ", "c", " ", " c", "c "],
    ]
    assert char_ngrams("c", 3, 5) == [" c "]  # shorter than n: the padded word, once


def test_char_ngrams_match_scikit_learns_char_wb():
    text = "Ignore the   previous 지시 please"
    ours = sorted(char_ngrams(text, 2, 4))
    theirs = sorted(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).build_analyzer()(text))
    assert ours == theirs


def test_it_predicts_the_class_of_unseen_queries(model):
    assert model.predict("will it snow in seoul this weekend")[0] == "weather"
    assert model.predict("what is 9 times 12")[0] == "maths"
    assert model.predict("write a poem about the moon")[0] == "poem"
    assert model.predict("부산 내일 날씨")[0] == "weather"


def test_probabilities_cover_every_class_and_sum_to_one(model):
    probabilities = model.predict_proba("a poem about rain")
    assert set(probabilities) == {"weather", "maths", "poem"}
    assert sum(probabilities.values()) == pytest.approx(1.0)
    label, confidence = model.predict("a poem about rain")
    assert confidence == max(probabilities.values())
    assert probabilities[label] == confidence


def test_the_exported_model_agrees_with_scikit_learn(model):
    vectorizer = TfidfVectorizer(
        analyzer=partial(char_ngrams, min_n=1, max_n=4), sublinear_tf=True, max_features=60_000
    )
    classifier = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)
    classifier.fit(vectorizer.fit_transform(TEXTS), LABELS)
    for query in ["rain in tokyo?", "sqrt of 81", "시 한 편 써줘", "zzz", ""]:
        expected = classifier.predict_proba(vectorizer.transform([query]))[0]
        ours = model.predict_proba(query)
        assert [ours[c] for c in classifier.classes_] == pytest.approx(list(expected), abs=1e-6)


def test_two_classes_use_one_weight_column():
    binary = train(WEATHER + POEMS, ["weather"] * 8 + ["poem"] * 8, ngram_range=(1, 3))
    assert binary.weights.shape[1] == 1
    assert binary.predict("sonnet about the sea")[0] == "poem"
    assert binary.predict("rain tomorrow?")[0] == "weather"


def test_text_with_no_known_ngram_gets_the_intercept_alone(model):
    probabilities = model.predict_proba("")
    exp = np.exp(model.intercept - model.intercept.max())
    assert [probabilities[c] for c in model.classes] == pytest.approx(list(exp / exp.sum()))


def test_a_saved_model_loads_without_pickle_and_predicts_the_same(model, tmp_path):
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as data:  # no object arrays in the file
        assert all(data[name].dtype != object for name in data.files)
    loaded = load(path)
    assert loaded.classes == model.classes
    assert loaded.ngram_range == model.ngram_range
    for query in ["rain in tokyo?", "sqrt of 81", "시 한 편 써줘"]:
        assert loaded.predict_proba(query) == pytest.approx(model.predict_proba(query), abs=1e-5)


def test_a_file_of_another_format_is_refused(model, tmp_path):
    path = tmp_path / "model.npz"
    np.savez(path, header=np.array('{"format": 99}'))
    with pytest.raises(ValueError, match="format"):
        load(path)


def test_training_refuses_one_class_or_mismatched_lengths():
    with pytest.raises(ValueError, match="two classes"):
        train(["a", "b"], ["x", "x"])
    with pytest.raises(ValueError, match="length"):
        train(["a", "b"], ["x"])


def test_evaluate_reports_accuracy_per_class_figures_and_coverage(model):
    texts = ["rain in busan tomorrow", "what is 7 times 6", "a poem about snow", "날씨 어때"]
    labels = ["weather", "maths", "poem", "maths"]  # the last label is wrong on purpose
    report = evaluate(model, texts, labels, threshold=0.0)
    predictions = [model.predict(t)[0] for t in texts]
    assert report.total == 4
    assert report.correct == sum(p == t for p, t in zip(predictions, labels, strict=True))
    assert report.coverage == 1.0
    assert report.confusion[("maths", predictions[3])] >= 1
    assert report.recall("maths") < 1.0
    assert 0.0 <= report.precision("weather") <= 1.0
    assert "precision" in report.text()
    assert evaluate(model, texts, labels, threshold=1.01).covered == 0
