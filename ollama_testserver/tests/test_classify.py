"""The test server answers the gateway's classifier plausibly: English and Korean keywords."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from ollama_testserver.classify import classify, is_classifier_schema
from routing.agent.intent_schema import Classification

SCHEMA = Classification.model_json_schema()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("What's the latest news about Tesla?", "search"),
        ("오늘 서울 날씨 알려줘", "search"),
        ("Compare Rust and Go", "analysis"),
        ("React와 Vue의 장단점을 분석해줘", "analysis"),
        ("Write a poem about autumn", "creative"),
        ("가을에 대한 시를 써줘", "creative"),
        ("What is 17 * 23?", "creative"),
        ("Summarize https://example.com/post", "creative"),
        ("Write a poem about today's weather", "creative"),
        ("hello there", "general"),
        ("블랙홀이 뭐야?", "general"),
    ],
)
def test_it_labels_by_keywords_in_both_languages(text, intent):
    assert classify(text)["intent"] == intent


def test_a_keyword_match_is_surer_than_the_default():
    assert classify("search the news")["confidence"] > classify("hello")["confidence"]


def test_long_questions_are_complex():
    assert classify("What is a cat?")["complexity"] == "simple"
    long = "Explain in detail how the immune system works, with innate and adaptive parts"
    assert classify(long)["complexity"] == "complex"


def test_only_the_gateways_classification_schema_is_recognised():
    assert is_classifier_schema(SCHEMA)
    assert not is_classifier_schema({"properties": {"intent": {"enum": ["code", "general"]}}})
    assert not is_classifier_schema("json")


def test_the_server_answers_the_classifier_schema_with_a_keyword_classification(
    ollama_server, caplog
):
    body = {
        "model": "llama3.2:3b",
        "messages": [{"role": "user", "content": "오늘 서울 날씨 알려줘"}],
        "format": SCHEMA,
        "stream": False,
    }
    with caplog.at_level(logging.INFO, logger="ollama_testserver"):
        response = httpx.post(f"{ollama_server.url}/api/chat", json=body, timeout=10)
    answer = Classification.model_validate(json.loads(response.json()["message"]["content"]))
    assert answer.intent == "search"
    assert "POST /api/chat llama3.2:3b [classifier]" in caplog.text
