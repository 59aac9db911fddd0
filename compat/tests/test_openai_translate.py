"""The /v1 translations, field by field (Ollama's openai_test.go is the model): the OpenAI
request into Ollama's /api/chat body, native chunks into chat.completion(.chunk)s."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from compat.openai import translate
from compat.openai.schemas import ChatCompletionRequest, EmbeddingRequest

USER = {"role": "user", "content": "hi"}


def body_for(**fields) -> dict:
    return translate.chat_body(
        ChatCompletionRequest.model_validate({"model": "llama3.2:3b", "messages": [USER], **fields})
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {}),
        ({"temperature": 0.5}, {"options": {"temperature": 0.5}}),
        ({"temperature": 1}, {"options": {"temperature": 1}}),
        ({"top_p": 0.9}, {"options": {"top_p": 0.9}}),
        ({"max_tokens": 64}, {"options": {"num_predict": 64}}),
        ({"max_tokens": 64, "max_completion_tokens": 32}, {"options": {"num_predict": 32}}),
        ({"stop": "END"}, {"options": {"stop": ["END"]}}),
        ({"stop": ["a", "b"]}, {"options": {"stop": ["a", "b"]}}),
        ({"seed": 42}, {"options": {"seed": 42}}),
        ({"frequency_penalty": 0.1}, {"options": {"frequency_penalty": 0.1}}),
        ({"presence_penalty": 0.2}, {"options": {"presence_penalty": 0.2}}),
        ({"response_format": {"type": "text"}}, {}),
        ({"response_format": {"type": "json_object"}}, {"format": "json"}),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "P", "schema": {"type": "object"}},
                }
            },
            {"format": {"type": "object"}},
        ),
        ({"stream": True}, {"stream": True}),
        # Fields the gateway does not use are ignored.
        ({"user": "u-1", "n": 1, "logit_bias": {"1": 2}, "metadata": {"a": "b"}}, {}),
    ],
)
def test_request_fields_become_ollama_fields(fields, expected):
    base = {"model": "llama3.2:3b", "messages": [USER], "stream": False}

    assert body_for(**fields) == {**base, **expected}


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"temperature": "0.5"}, "temperature"),
        ({"max_tokens": 1.5}, "max_tokens"),
        ({"stream": "yes"}, "stream"),
        ({"stop": 3}, "stop"),
        ({"seed": "1"}, "seed"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages.0.role"),
        ({"messages": []}, "messages"),
        ({"model": 5}, "model"),
    ],
)
def test_a_used_field_of_the_wrong_type_is_refused(fields, where):
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        ChatCompletionRequest.model_validate({"model": "m", "messages": [USER], **fields})

    assert ".".join(str(p) for p in caught.value.errors()[0]["loc"]).startswith(where)


def test_system_developer_and_prior_turns_are_kept_in_order():
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": "Use French."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "bonjour"},
        {"role": "user", "content": "more"},
    ]

    assert body_for(messages=messages)["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "system", "content": "Use French."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "bonjour"},
        {"role": "user", "content": "more"},
    ]


def test_content_parts_become_text_and_base64_images():
    png = base64.b64encode(b"\x89PNG").decode()
    parts = [
        {"type": "text", "text": "what is"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
        {"type": "text", "text": "this?"},
    ]

    assert body_for(messages=[{"role": "user", "content": parts}])["messages"] == [
        {"role": "user", "content": "what is\nthis?", "images": [png]}
    ]


def test_an_image_url_that_is_not_a_data_url_is_refused():
    parts = [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]

    with pytest.raises(translate.TranslationError):
        body_for(messages=[{"role": "user", "content": parts}])


TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def test_tools_pass_through_and_tool_choice_none_offers_none():
    assert body_for(tools=[TOOL])["tools"] == [TOOL]
    assert body_for(tools=[TOOL], tool_choice="auto")["tools"] == [TOOL]
    assert "tools" not in body_for(tools=[TOOL], tool_choice="none")


def test_a_tool_round_trip_becomes_ollamas_calls_and_named_tool_results():
    messages = [
        USER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]

    assert body_for(messages=messages)["messages"][1:] == [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "function": {"name": "get_weather", "arguments": {"city": "Paris"}},
                    "id": "call_1",
                }
            ],
        },
        {"role": "tool", "content": "sunny", "tool_call_id": "call_1", "tool_name": "get_weather"},
    ]


FINAL = {
    "model": "llama3.2:3b",
    "created_at": "2026-01-01T00:00:00Z",
    "message": {"role": "assistant", "content": "Hello"},
    "done": True,
    "done_reason": "stop",
    "prompt_eval_count": 7,
    "eval_count": 3,
}


@pytest.mark.parametrize(
    ("final", "blocked", "reason"),
    [
        (FINAL, False, "stop"),
        ({**FINAL, "done_reason": "length"}, False, "length"),
        (FINAL, True, "content_filter"),
        (
            {
                **FINAL,
                "message": {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "id": "call_x",
                            "function": {"index": 0, "name": "f", "arguments": {"a": 1}},
                        }
                    ],
                },
            },
            False,
            "tool_calls",
        ),
    ],
)
def test_the_final_object_becomes_a_completion(final, blocked, reason):
    result = translate.completion(final, model="llama3.2:3b", blocked=blocked)

    assert result["object"] == "chat.completion"
    assert result["id"].startswith("chatcmpl-")
    assert result["model"] == "llama3.2:3b"
    assert result["choices"][0]["finish_reason"] == reason
    assert result["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


def test_tool_calls_get_json_string_arguments_and_keep_ollamas_ids():
    native = [{"id": "call_x", "function": {"index": 0, "name": "f", "arguments": {"a": 1}}}]

    assert translate.tool_calls(native) == [
        {
            "index": 0,
            "id": "call_x",
            "type": "function",
            "function": {"name": "f", "arguments": '{"a": 1}'},
        }
    ]
    assert translate.tool_calls([{"function": {"name": "g", "arguments": {}}}])[0]["id"].startswith(
        "call_"
    )


def test_thinking_is_reported_as_reasoning():
    final = {**FINAL, "message": {"role": "assistant", "content": "4", "thinking": "2+2"}}

    assert translate.completion(final, model="m")["choices"][0]["message"] == {
        "role": "assistant",
        "content": "4",
        "reasoning": "2+2",
    }


def test_a_stream_becomes_content_deltas_a_finish_and_an_optional_usage_chunk():
    translator = translate.ChunkTranslator(model="llama3.2:3b", include_usage=True)
    middle = {**FINAL, "done": False, "message": {"role": "assistant", "content": "Hel"}}
    del middle["done_reason"], middle["prompt_eval_count"], middle["eval_count"]
    last = {**FINAL, "message": {"role": "assistant", "content": ""}}

    first = translator.translate(middle)
    end = translator.translate(last)

    assert [c["choices"][0]["delta"] for c in first] == [{"role": "assistant", "content": "Hel"}]
    assert [c["object"] for c in first + end] == ["chat.completion.chunk"] * 3
    assert {c["id"] for c in first + end} == {translator.id}
    assert end[0]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert end[1]["choices"] == []
    assert end[1]["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


def test_without_include_usage_the_stream_has_no_usage_chunk():
    end = translate.ChunkTranslator(model="m").translate(FINAL)

    assert [c["choices"][0]["delta"] for c in end] == [
        {"role": "assistant", "content": "Hello"},
        {},
    ]


def test_streamed_tool_calls_are_indexed_and_finish_with_tool_calls():
    translator = translate.ChunkTranslator(model="m")
    calls = {
        "model": "m",
        "message": {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "call_a", "function": {"index": 0, "name": "f", "arguments": {}}}
            ],
        },
        "done": False,
    }

    out = translator.translate(calls) + translator.translate({**FINAL, "message": {"content": ""}})

    assert out[0]["choices"][0]["delta"]["tool_calls"][0]["index"] == 0
    assert out[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_a_blocked_stream_ends_with_content_filter():
    out = translate.ChunkTranslator(model="m").translate(FINAL, blocked=True)

    assert out[0]["choices"][0]["delta"]["content"] == "Hello"
    assert out[-1]["choices"][0]["finish_reason"] == "content_filter"


@pytest.mark.parametrize(("given", "inputs"), [("one", ["one"]), (["a", "b"], ["a", "b"])])
def test_embedding_input_is_always_a_list(given, inputs):
    request = EmbeddingRequest.model_validate({"model": "m", "input": given, "dimensions": 8})

    assert translate.embed_body(request) == {"model": "m", "input": inputs, "dimensions": 8}


def test_embeddings_are_floats_or_little_endian_float32_base64():
    native = {"embeddings": [[0.5, -1.0]], "prompt_eval_count": 2}
    floats = EmbeddingRequest.model_validate(
        {"model": "m", "input": "x", "encoding_format": "float"}
    )
    packed = EmbeddingRequest.model_validate(
        {"model": "m", "input": "x", "encoding_format": "base64"}
    )

    as_floats = translate.embeddings(native, floats)
    as_base64 = translate.embeddings(native, packed)

    assert as_floats["data"] == [{"object": "embedding", "index": 0, "embedding": [0.5, -1.0]}]
    assert as_floats["usage"] == {"prompt_tokens": 2, "total_tokens": 2}
    raw = base64.b64decode(as_base64["data"][0]["embedding"])
    assert struct.unpack("<2f", raw) == (0.5, -1.0)
    assert json.dumps(as_base64)  # plain JSON all the way


def test_token_arrays_are_not_accepted_as_embedding_input():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        EmbeddingRequest.model_validate({"model": "m", "input": [[1, 2, 3]]})
