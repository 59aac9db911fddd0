"""Classifier: structured output parsed tolerantly, the pre-router's guess otherwise."""

from __future__ import annotations

import json

import pytest

from routing.agent.intent_schema import helper_model, model_for, parse_classification
from routing.agent.nodes.classifier import classifier as classify
from routing.agent.nodes.classifier import heuristic, word_complexity
from routing.tests.agent.conftest import COMPLEX, SIMPLE

GOOD = '{"intent": "search", "confidence": 0.8, "complexity": "complex"}'


@pytest.mark.parametrize(
    "raw",
    [
        GOOD,
        f"```json\n{GOOD}\n```",
        f"Sure! Here is the classification:\n{GOOD}\nHope this helps.",
        '{"Intent": "SEARCH", "Confidence": "0.8", "Complexity": "Complex"}',
        '{"intent": "web_search", "confidence": "80%", "complexity": "complex"}',
        "intent: Search\nconfidence: high\ncomplexity: COMPLEX",
    ],
)
def test_it_parses_near_misses(raw):
    parsed = parse_classification(raw)
    assert parsed["intent"] == "search"
    assert parsed["complexity"] == "complex"
    assert 0.0 <= parsed["confidence"] <= 1.0


@pytest.mark.parametrize(
    "raw", ["", "I think this is a question.", '{"intent": "poetry"}', "[1, 2]", "{broken"]
)
def test_it_gives_up_on_garbage(raw):
    assert parse_classification(raw) is None


def test_it_clamps_confidence():
    assert parse_classification('{"intent": "general", "confidence": 7}')["confidence"] == 0.07
    assert parse_classification('{"intent": "general", "confidence": -1}')["confidence"] == 0.0
    assert parse_classification('{"intent": "general"}')["complexity"] is None


@pytest.mark.parametrize(
    ("query", "intent"),
    [
        ("What is the latest news about Tesla?", "search"),
        ("오늘 서울 날씨 알려줘", "search"),
        ("Compare Python and Go for web servers", "analysis"),
        ("React와 Vue의 장단점을 분석해줘", "analysis"),
        ("Write a poem about autumn", "creative"),
        ("가을에 대한 시를 써줘", "creative"),
        ("hello there", "general"),
    ],
)
def test_heuristic_uses_the_pre_routers_guess_with_low_confidence(query, intent):
    guess = heuristic(query)
    assert guess["intent"] == intent
    assert guess["confidence"] <= 0.3
    assert guess["complexity"] in ("simple", "complex")


def test_heuristic_complexity_follows_the_word_count_threshold(settings):
    settings.COMPLEXITY_THRESHOLD = 5
    assert word_complexity("one two three four") == "simple"
    assert word_complexity("one two three four five") == "complex"


def test_model_table_reads_settings_at_call_time(settings):
    settings.MODEL_SIMPLE, settings.MODEL_COMPLEX = "s", "c"
    assert [model_for(i, "simple") for i in ("search", "analysis", "creative")] == ["c"] * 3
    assert model_for("general", "simple") == "s"
    assert model_for("general", "complex") == "c"
    assert {helper_model(h) for h in ("classifier", "refiner", "decomposer", "researcher")} == {"s"}
    with pytest.raises(ValueError, match="unknown intent"):
        model_for("poetry", "simple")


async def test_node_asks_the_small_model_for_a_json_schema(script):
    script.add(GOOD, structured=True)
    update = await classify({"query": "news today?", "history": []})
    call = script.calls[0]
    assert call.model == SIMPLE
    assert set(call.kwargs["format"]["properties"]) == {"intent", "confidence", "complexity"}
    assert update["intent"] == "search"
    assert update["model"] == COMPLEX
    assert (update["prompt_tokens"], update["completion_tokens"]) == script.usage[0]


async def test_node_falls_back_to_the_heuristic_on_garbage(script):
    script.add("I cannot classify this.", structured=True)
    update = await classify({"query": "Write a haiku about rain", "history": []})
    assert (update["intent"], update["router"]) == ("creative", "heuristic")
    assert update["confidence"] <= 0.3
    assert update["prompt_tokens"] > 0  # the failed call still counts


async def test_node_fills_a_missing_complexity_from_the_word_count(script, settings):
    settings.COMPLEXITY_THRESHOLD = 3
    script.add(json.dumps({"intent": "general", "confidence": 0.9}), structured=True)
    update = await classify({"query": "tell me about everything", "history": []})
    assert (update["complexity"], update["model"]) == ("complex", COMPLEX)
