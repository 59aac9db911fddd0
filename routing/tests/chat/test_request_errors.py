"""What a client can get wrong, on both endpoints: always an envelope, never a 500."""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings

from conversations.services import conversation_create
from routing.chat.serializers import ChatRequestSerializer
from routing.tests.chat.helpers import CHAT, STREAM

ENDPOINTS = pytest.mark.parametrize("path", [CHAT, STREAM])


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"]["code"] == code
    assert body["request_id"] == response["X-Request-ID"]
    return body["error"]


@ENDPOINTS
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "query"),
        ({"query": "   "}, "query"),
        ({"query": 123}, "query"),
        ({"query": None}, "query"),
        ({"query": "x" * (settings.QUERY_HARD_CAP_CHARS + 1)}, "query"),
        ({"query": "hi", "temperature": 0.2}, "temperature"),
        ({"query": "hi", "messages": "earlier"}, "messages"),
        ({"query": "hi", "messages": [{"role": "system", "content": "x"}]}, "messages"),
        ({"query": "hi", "messages": [{"role": "user", "content": 5}]}, "messages"),
        ({"query": "hi", "messages": [{"role": "user", "content": "x", "name": "a"}]}, "messages"),
        ({"query": "hi", "conversation_id": 5}, "conversation_id"),
        ({"query": "hi", "conversation_id": "not-a-uuid"}, "conversation_id"),
        # PostgreSQL text cannot hold NUL, and UTF-8 cannot encode a lone surrogate.
        ({"query": "nul \u0000 byte"}, "query"),
        ({"query": "lone \ud800 surrogate"}, "query"),
        ({"query": "hi", "messages": [{"role": "user", "content": "\u0000"}]}, "messages"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(user_client, path, payload, field):
    # Sent as ASCII JSON, so escapes such as a lone surrogate reach the server as written.
    body = json.dumps(payload)
    response = user_client.post(path, body, content_type="application/json")
    error = _error(response, 400, "validation_error")
    assert field in error["details"]


@ENDPOINTS
def test_a_body_that_is_not_an_object_is_a_400(user_client, path):
    _error(user_client.post(path, [1, 2], format="json"), 400, "validation_error")


@ENDPOINTS
def test_malformed_json_is_a_400(user_client, path):
    response = user_client.post(path, "{not json", content_type="application/json")
    _error(response, 400, "malformed_request")


@ENDPOINTS
def test_a_body_that_is_not_utf8_is_a_400(user_client, path):
    response = user_client.post(path, b'{"query": "\xff\xfe"}', content_type="application/json")
    _error(response, 400, "malformed_request")


@ENDPOINTS
def test_a_body_that_is_not_json_is_a_415(user_client, path):
    response = user_client.post(path, "query=hi", content_type="application/x-www-form-urlencoded")
    _error(response, 415, "unsupported_media_type")


@ENDPOINTS
def test_it_requires_credentials(api_client, path):
    _error(api_client.post(path, {"query": "hi"}, format="json"), 401, "not_authenticated")


def test_stream_errors_are_json_even_when_the_client_accepts_only_events(api_client):
    response = api_client.post(
        STREAM, {"query": "hi"}, format="json", HTTP_ACCEPT="text/event-stream"
    )
    _error(response, 401, "not_authenticated")


@ENDPOINTS
def test_a_bad_api_key_is_a_401(db, api_client, path):
    api_client.credentials(HTTP_X_API_KEY="sk-" + "x" * 40)
    response = api_client.post(path, {"query": "hi"}, format="json")
    assert response.status_code == 401


@ENDPOINTS
def test_an_unknown_conversation_is_a_404(user_client, path):
    payload = {"query": "hi", "conversation_id": str(uuid.uuid4())}
    _error(user_client.post(path, payload, format="json"), 404, "not_found")


@ENDPOINTS
def test_someone_elses_conversation_is_a_404(user_client, outsider, path):
    theirs = conversation_create(user=outsider, title="private")
    payload = {"query": "hi", "conversation_id": str(theirs.pk)}
    _error(user_client.post(path, payload, format="json"), 404, "not_found")
    assert theirs.messages.count() == 0


@ENDPOINTS
def test_over_quota_is_a_429_with_retry_after(user_client, user, path):
    user.quota_per_minute = 0
    user.save(update_fields=["quota_per_minute"])

    response = user_client.post(path, {"query": "hi"}, format="json")

    _error(response, 429, "quota_exceeded")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Limit"] == "0"
    assert "Server-Timing" in response


def test_the_hard_cap_itself_is_accepted():
    payload = {"query": "x" * settings.QUERY_HARD_CAP_CHARS}
    assert ChatRequestSerializer(data=payload).is_valid()


def test_the_query_is_trimmed_and_optional_fields_default():
    serializer = ChatRequestSerializer(data={"query": "  hi  "})
    assert serializer.is_valid()
    assert serializer.validated_data == {"query": "hi", "messages": [], "conversation_id": None}
