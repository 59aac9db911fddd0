"""The shipped model: the held-out promise (>= 97 % precision alone, >= 60 % coverage),
calibration, threshold choice and the model file."""

from __future__ import annotations

import math

import pytest

from routing.agent.router.dataset import HELDOUT_PATH, TRAIN_PATH, Example, read_examples
from routing.agent.router.evaluation import evaluate_model
from routing.agent.router.model import (
    NEVER,
    decision_threshold,
    get_model,
    load_model,
    reset_model_cache,
)
from routing.agent.router.training import TARGET_PRECISION, choose_threshold, fit, with_threshold

HELDOUT = read_examples(HELDOUT_PATH)


def test_the_shipped_model_decides_alone_precisely_on_the_held_out_set():
    model = get_model()
    report = evaluate_model(model, HELDOUT, model.threshold)
    assert report.precision >= TARGET_PRECISION
    assert report.coverage >= 0.60


def test_the_shipped_threshold_is_the_stricter_of_held_out_and_cross_validation():
    model = get_model()
    meta = model.intent.meta
    assert model.threshold == max(meta["heldout_threshold"], meta["cv_threshold"])
    predictions = [model.predict(e.text) for e in HELDOUT]
    below = [p.confidence for p in predictions if p.confidence < meta["heldout_threshold"]]
    assert evaluate_model(model, HELDOUT, max(below)).precision < TARGET_PRECISION


def test_probabilities_are_a_distribution_over_the_intents():
    probabilities = get_model().intent_probabilities("오늘 서울 날씨 알려줘")
    assert set(probabilities) == {"search", "analysis", "creative", "general"}
    assert math.isclose(sum(probabilities.values()), 1.0)
    assert max(probabilities, key=probabilities.get) == "search"


@pytest.mark.parametrize(
    ("query", "intent"),
    [
        ("What's the weather in Busan tomorrow?", "search"),
        ("내일 서울 날씨 어때?", "search"),
        ("Compare PostgreSQL and MySQL for analytics", "analysis"),
        ("자바와 코틀린의 장단점을 비교해줘", "analysis"),
        ("Write a poem about the winter sea", "creative"),
        ("겨울 바다에 대한 시를 써줘", "creative"),
        ("What is a neutron star?", "general"),
        ("중성자별이 뭐야?", "general"),
    ],
)
def test_clear_queries_it_never_saw_are_routed_alone(query, intent):
    model = get_model()
    guess = model.predict(query)
    assert guess.intent == intent
    assert guess.confidence >= model.threshold


def test_calibration_makes_the_fitted_model_sharper_than_raw_logistic_scores():
    # A temperature below 1 means the raw probabilities were under-confident on unseen
    # queries; the fitted value is stored with the model.
    assert 0.05 < get_model().temperature < 1.0


def test_choose_threshold_takes_the_lowest_confidence_that_meets_the_target():
    confidences = [0.99, 0.95, 0.90, 0.80, 0.70]
    correct = [True, True, True, False, True]
    assert choose_threshold(confidences, correct, target=1.0) == 0.90
    assert choose_threshold(confidences, correct, target=0.8) == 0.70


def test_choose_threshold_keeps_ties_together_and_can_refuse():
    assert choose_threshold([0.9, 0.9], [True, False], target=0.97) == NEVER
    assert choose_threshold([0.9, 0.9, 0.95], [True, False, True], target=0.6) == 0.9
    assert choose_threshold([0.4, 0.3], [True, True], target=0.97) == NEVER  # too unsure


def test_settings_can_override_or_disable_the_threshold(settings):
    model = get_model()
    settings.ROUTER_THRESHOLD = 0.0
    assert decision_threshold(model) == model.threshold
    settings.ROUTER_THRESHOLD = 0.99
    assert decision_threshold(model) == 0.99


def test_a_saved_model_predicts_exactly_as_before(tmp_path):
    small = [e for e in read_examples(TRAIN_PATH)][::3]
    model = with_threshold(fit(small), HELDOUT[:40])
    model.save(tmp_path)
    loaded = load_model(tmp_path)
    for example in HELDOUT[:20]:
        assert loaded.predict(example.text) == model.predict(example.text)
    assert loaded.threshold == model.threshold
    assert loaded.temperature == model.temperature


def test_the_gateway_reads_router_model_dir_once_train_router_wrote_there(tmp_path, settings):
    examples = [
        Example("hello", "general", "simple"),
        Example("hi there", "general", "simple"),
        Example("news today", "search", "simple"),
        Example("latest news and what it means for the markets", "search", "complex"),
    ] * 3
    settings.ROUTER_MODEL_DIR = str(tmp_path)
    reset_model_cache()
    try:
        assert get_model().intent.classes == ("analysis", "creative", "general", "search")
        fit(examples).save(tmp_path)
        reset_model_cache()
        assert get_model().intent.classes == ("general", "search")
    finally:
        settings.ROUTER_MODEL_DIR = ""
        reset_model_cache()
