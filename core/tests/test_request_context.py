"""X-Request-ID on every response and JSON log lines that carry it."""

import json
import logging

import pytest

from core.logging import JsonFormatter, RequestContextFilter
from core.request_context import accept_or_generate_request_id


@pytest.mark.parametrize("incoming", ["abc-123", "0f1e2d3c4b5a", "trace:1.2_3"])
def test_it_keeps_a_well_formed_incoming_request_id(incoming):
    assert accept_or_generate_request_id(incoming) == incoming


@pytest.mark.parametrize("incoming", [None, "", "has space", "x" * 129, "<script>", "a\nb"])
def test_it_replaces_a_missing_or_malformed_request_id(incoming):
    generated = accept_or_generate_request_id(incoming)

    assert generated != incoming
    assert len(generated) == 32


@pytest.mark.django_db
def test_every_response_carries_a_generated_request_id(api_client):
    response = api_client.get("/health", HTTP_X_REQUEST_ID="bad id with spaces")

    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_it_logs_one_json_line_per_request_with_the_spec_fields(api_client, caplog):
    caplog.set_level(logging.INFO, logger="llmgateway.access")

    api_client.get("/health", HTTP_X_REQUEST_ID="req-42")

    records = [r for r in caplog.records if r.name == "llmgateway.access"]
    assert len(records) == 1
    RequestContextFilter().filter(records[0])
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["message"].startswith("GET /health 200 ")
    assert line["message"].endswith("ms")
    assert line["level"] == "INFO"
    assert line["logger"] == "llmgateway.access"
    assert line["request_id"] == "req-42"
    assert line["method"] == "GET"
    assert line["path"] == "/health"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert "timestamp" in line


def test_log_lines_emitted_while_handling_a_request_carry_its_id():
    from core.request_context import bind_request

    bind_request("inside-request")
    record = logging.LogRecord("app", logging.WARNING, __file__, 1, "doing work", None, None)

    RequestContextFilter().filter(record)

    assert json.loads(JsonFormatter().format(record))["request_id"] == "inside-request"


def test_the_middleware_stack_stays_asynchronous_for_async_views():
    # One sync-only middleware would push every async chat view into a worker thread.
    from django.conf import settings
    from django.utils.module_loading import import_string

    sync_only = [
        path
        for path in settings.MIDDLEWARE
        if not getattr(import_string(path), "async_capable", False)
    ]

    assert sync_only == []


@pytest.mark.django_db
def test_static_files_are_served_by_the_gateway(api_client):
    response = api_client.get("/static/admin/css/base.css")

    assert response.status_code == 200
