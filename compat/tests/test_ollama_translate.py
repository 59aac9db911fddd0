"""The /ollama shapes the gateway makes itself: `auto` as Ollama lists and shows a model,
NDJSON lines, and Ollama's error body with the gateway's code beside it."""

from __future__ import annotations

import json

from compat.ollama import translate

SERVED = {"name": "llama3.2:3b", "model": "llama3.2:3b", "size": 1, "details": {}}


def test_tags_list_auto_first_named_like_ollama_then_the_served_models():
    listed = translate.tags([SERVED])["models"]

    assert [m["model"] for m in listed] == ["auto", "llama3.2:3b"]
    assert listed[0]["name"] == listed[0]["model"] == "auto"
    assert set(listed[0]) == {"name", "model", "modified_at", "size", "digest", "details"}
    assert len(listed[0]["digest"]) == 64


def test_show_for_auto_has_the_keys_ollama_always_sends():
    shown = translate.auto_show()

    assert {"details", "model_info", "modified_at"} <= set(shown)


def test_a_line_is_compact_json_and_one_newline():
    assert translate.line({"a": "é", "b": [1]}) == '{"a":"é","b":[1]}\n'.encode()


def test_the_error_body_keeps_ollamas_string_with_code_and_request_id():
    body = translate.error_body("model 'x' not found", code="model_not_found", request_id="r1")

    assert json.loads(json.dumps(body)) == {
        "error": "model 'x' not found",
        "code": "model_not_found",
        "request_id": "r1",
    }
