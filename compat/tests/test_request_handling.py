"""Requests as the adapters read them, in process: bodies beyond the native API's 1 MiB
(base64 images) reach them whole (Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not apply to
the JSON they read), over MAX_COMPAT_BODY_BYTES is 413, a body that is not a JSON object
is 400, and /ollama/ answers like Ollama's root."""

from __future__ import annotations

import base64

import pytest

from ollama_testserver import default_answer

MODEL = "llama3.2:3b"


@pytest.fixture
def key(user):
    from accounts.services import api_key_create

    user.quota_per_minute = 100
    user.save(update_fields=["quota_per_minute"])
    return api_key_create(user=user, name="client").raw_key


def test_a_two_megabyte_image_reaches_the_model(api_client, ollama_server, key, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 2 * 1024 * 1024
    image = base64.b64encode(b"\x89PNG" + bytes(2 * 1024 * 1024)).decode()
    parts = [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}},
    ]

    response = api_client.post(
        "/v1/chat/completions",
        {"model": MODEL, "messages": [{"role": "user", "content": parts}]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    assert response.status_code == 200, response.content[:300]
    sent = ollama_server.chat_requests[-1].body
    assert sent["messages"][0]["images"] == [image]
    assert response.json()["choices"][0]["message"]["content"] == default_answer(sent)


def test_a_body_over_the_compat_limit_is_a_413(api_client, ollama_server, key, settings):
    settings.MAX_COMPAT_BODY_BYTES = 2048

    response = api_client.post(
        "/v1/chat/completions",
        {"model": MODEL, "messages": [{"role": "user", "content": "x" * 4096}]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert ollama_server.chat_requests == []


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/v1/chat/completions", b"{not json", "malformed_request"),
        ("/v1/chat/completions", b"[1, 2]", "validation_error"),
        ("/ollama/api/chat", b"{not json", "malformed_request"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(api_client, key, path, body, expected):
    response = api_client.generic(
        "POST", path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"] if isinstance(error, dict) else response.json()["code"]) == expected


def test_the_root_answers_get_and_head_like_ollama_and_refuses_other_methods(api_client):
    got = api_client.get("/ollama/")
    head = api_client.head("/ollama/")
    posted = api_client.post("/ollama/", {}, format="json")

    assert (got.status_code, got.content) == (200, b"Ollama is running")
    assert (head.status_code, head.content, head["Content-Length"]) == (200, b"", "17")
    assert posted.status_code == 405
