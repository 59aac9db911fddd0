"""The OpenAPI schema documents both chat operations, their errors and the event stream."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from routing.chat.urls import urlpatterns

ERRORS = {"400", "401", "404", "413", "415", "429"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)


def test_it_documents_each_operation_with_its_error_responses(schema):
    documented = {
        (path, method): set(operation["responses"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }

    assert documented == {
        ("/api/chat/", "post"): {"200", "503", *ERRORS},
        ("/api/chat/stream", "post"): {"200", *ERRORS},
    }


def test_it_documents_the_request_and_the_response(schema):
    components = schema["components"]["schemas"]
    chat = schema["paths"]["/api/chat/"]["post"]

    assert chat["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ChatRequest"
    }
    assert components["ChatRequest"]["required"] == ["query"]
    assert set(components["ChatResponse"]["properties"]) >= {"cached", "usage", "sources"}
    assert chat["responses"]["429"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "Retry-After" in chat["responses"]["429"]["headers"]


def test_the_stream_is_documented_as_an_event_stream(schema):
    stream = schema["paths"]["/api/chat/stream"]["post"]

    assert set(stream["responses"]["200"]["content"]) == {"text/event-stream"}
    assert "event" in stream["description"]
