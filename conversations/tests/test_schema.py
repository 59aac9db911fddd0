"""The OpenAPI schema documents every conversation operation, its errors included."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from conversations.urls import urlpatterns

EXPECTED = {
    ("/api/conversations/", "get"): {"200", "401", "404"},
    ("/api/conversations/", "post"): {"201", "400", "401", "413", "415"},
    ("/api/conversations/{id}", "get"): {"200", "401", "404"},
    ("/api/conversations/{id}", "patch"): {"200", "400", "401", "404", "413", "415"},
    ("/api/conversations/{id}", "delete"): {"204", "401", "404"},
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)


def test_it_documents_each_operation_with_its_error_responses(schema):
    documented = {
        (path, method): set(operation["responses"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }

    assert documented == EXPECTED


def test_it_documents_errors_with_the_envelope(schema):
    rename = schema["paths"]["/api/conversations/{id}"]["patch"]["responses"]

    assert rename["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_it_marks_routing_facts_optional_on_messages(schema):
    message = schema["components"]["schemas"]["ConversationMessageOutput"]

    assert set(message["required"]) == {"id", "role", "content", "created_at"}
    assert "total_tokens" in message["properties"]
