"""Fuzz every operation of the live /openapi.json with schemathesis (SPEC sections 5-6).

A real Daphne gateway serves the schema the fuzzer reads, and every request goes over the
wire with a real user's credentials (an admin's for /api/admin/*; JWT or API key). Checks:
no 5xx; status code, content type, body and documented headers as the schema says;
X-Request-ID on every response and the one error envelope on every error; credentials
actually enforced (schemathesis re-sends authorised successes without them and with bad
ones). Separately: every protected operation answers 401 with the envelope when the
credentials are missing or bad, whatever else is wrong with the request.

Bounded for CI (conftest.py): MAX_EXAMPLES fuzzed examples per operation plus the
deterministic coverage phase, a fixed seed, derandomized, and a read budget per request.
The summary of what ran (requests and statuses per operation) is printed after each test.
schemathesis's checks run unnarrowed. The bugs fuzzing found (BUG-1 to -5) are fixed and
have regression tests at the end of this module. BUG-3, Twisted's own bare 400 for a
malformed multipart body, went when llmgateway/daphne_protocol.py turned off Twisted's
parsing of form bodies, so nothing is narrowed any more.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
import schemathesis
from django.conf import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from llmgateway.tests.fuzz.helpers import (
    assert_envelope,
    assert_error_shape,
    check_event_stream,
    check_request_id,
    prepare,
    security_schemes,
)

schema = schemathesis.pytest.from_fixture("live_schema")
protected = schemathesis.pytest.from_fixture("live_schema_for_auth").include(
    lambda ctx: bool(security_schemes(ctx.operation))
)

CONFORMANCE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,  # for the stream: each event against the 200 schema
    response_headers_conformance,
    missing_required_header,
    ignored_auth,
    check_request_id,
    check_event_stream,
]


@pytest.mark.slow
@schema.parametrize()
def test_every_operation_conforms_to_the_live_schema(case, fuzz_world):
    headers = prepare(case, fuzz_world)
    response = case.call(headers=headers)
    fuzz_world.record(case, response.status_code)
    case.validate_response(response, checks=CONFORMANCE_CHECKS, headers=headers)


AUTH_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    check_request_id,
]


def has_routable_path(case) -> bool:
    """Every path id is a UUID. The routes use `<uuid:...>`, so any other id matches no
    route at all: a 404 before authentication, by design (conversations/urls.py)."""
    return all(is_uuid(str(value)) for value in case.path_parameters.values())


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def is_oversized(response) -> bool:
    """Over MAX_BODY_BYTES: refused by its size (a documented 413) before authentication."""
    body = response.request.body or b""
    size = len(body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body)
    return size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.mark.slow
@protected.parametrize()
def test_every_protected_operation_answers_401_without_valid_credentials(case, fuzz_world):
    for kind, headers in sorted(fuzz_world.bad_credentials.items()):
        response = case.call(headers=headers)
        fuzz_world.record(case, response.status_code)
        case.validate_response(response, checks=AUTH_CHECKS)
        if not has_routable_path(case):
            continue  # a non-UUID id matches no route: 404 before anyone asks who
        expected = 413 if is_oversized(response) else 401
        assert response.status_code == expected, (
            kind,
            response.status_code,
            response.content[:300],
        )
        assert_error_shape(response, case.operation.path)


# --- The schema's promises, read statically and checked live ----------------------------
# Regression tests for the bugs fuzzing found (BUG-1 to -5, all fixed).


@pytest.fixture
def served_schema(client, db) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for path, path_item in schema["paths"].items():
        for method, operation in path_item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield f"{method.upper()} {path}", operation


def _component(schema: dict, ref_holder: dict) -> dict:
    return schema["components"]["schemas"][ref_holder["$ref"].rsplit("/", 1)[-1]]


def test_the_schema_documents_401_404_and_429_where_the_gateway_answers_them(served_schema):
    for label, operation in _operations(served_schema):
        responses = operation["responses"]
        if any(requirement for requirement in operation.get("security", [{}])):
            assert "401" in responses, label
        if "{" in label:
            assert "404" in responses, label
    for path in ("/api/chat/", "/api/chat/stream"):
        too_many = served_schema["paths"][path]["post"]["responses"]["429"]
        assert "Retry-After" in too_many["headers"], path


def test_the_stream_schema_describes_one_event(served_schema):
    """BUG-1: it was `{type: string}`, which every event (an object) failed."""
    ok = served_schema["paths"]["/api/chat/stream"]["post"]["responses"]["200"]
    event = ok["content"]["text/event-stream"]["schema"]
    assert event["type"] == "object"
    assert {"event", "data"} <= set(event["required"])
    assert set(event["properties"]["event"]["enum"]) == {"meta", "token", "done", "error"}


@pytest.mark.slow
def test_the_streams_events_conform_to_the_schema(live_schema, fuzz_world):
    """BUG-1, live: schemathesis's own check validates each event of a real stream."""
    case = live_schema["/api/chat/stream"]["POST"].Case(
        body={"query": "Hello there"}, media_type="application/json"
    )
    headers = fuzz_world.user.headers("jwt")
    response = case.call(headers=headers)
    assert response.status_code == 200, response.content
    assert b"event: done" in response.content, response.content
    checks = [response_schema_conformance, check_event_stream]
    case.validate_response(response, checks=checks, headers=headers)


def test_unknown_fields_are_documented_as_rejected(served_schema):
    """BUG-2: the chat rejects fields it does not declare (400), at both levels; the schema
    said nothing, so generated valid bodies with extra fields were refused."""
    body = served_schema["paths"]["/api/chat/"]["post"]["requestBody"]
    chat_request = _component(served_schema, body["content"]["application/json"]["schema"])
    message = _component(served_schema, chat_request["properties"]["messages"]["items"])
    assert chat_request["additionalProperties"] is False
    assert message["additionalProperties"] is False


def test_every_operation_with_a_body_documents_413(served_schema):
    """BUG-4: the body limit answers 413 before anything else, on every operation."""
    missing = [
        label
        for label, operation in _operations(served_schema)
        if "requestBody" in operation and "413" not in operation["responses"]
    ]
    assert missing == []


COMPAT_PREFIXES = ("/v1/", "/ollama/")
OLLAMA_ADMIN_ONLY = {f"POST /ollama/api/{name}" for name in ("pull", "push", "create", "copy")} | {
    "DELETE /ollama/api/delete"
}


def _send_to_every_json_operation(
    world, content: bytes, *, skip: tuple[str, ...] = ()
) -> dict[str, httpx.Response]:
    """`content` as the JSON body of every operation that takes one, as the user."""
    answers = {}
    for label, operation in _operations(httpx.get(f"{world.url}/openapi.json", timeout=10).json()):
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            method, path = label.split(" ", 1)
            if path.startswith(skip):
                continue
            answers[label] = httpx.request(
                method,
                world.url + path.format(id=world.conversation_id),
                content=content,
                headers={**world.user.headers("jwt"), "Content-Type": "application/json"},
                timeout=10,
            )
    assert answers
    return answers


@pytest.mark.slow
def test_an_oversized_body_is_a_413_envelope_on_every_json_operation(fuzz_world):
    """BUG-4, live: what the schema now documents is what the gateway answers."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    oversized = json.dumps({"query": "x" * limit}).encode()
    # /v1 and /ollama take MAX_COMPAT_BODY_BYTES (images); compat/tests cover their limit.
    answers = _send_to_every_json_operation(fuzz_world, oversized, skip=COMPAT_PREFIXES)
    assert {label: r.status_code for label, r in answers.items()} == dict.fromkeys(answers, 413)
    for response in answers.values():
        assert_envelope(response)
        assert response.json()["error"]["code"] == "payload_too_large"


DEEPLY_NESTED_JSON = b"[" * 5000 + b"]" * 5000  # 10 kB, far below the body limit


@pytest.mark.slow
def test_deeply_nested_json_is_a_400_envelope_on_every_json_operation(fuzz_world):
    """BUG-5: it was a 500 (RecursionError escaped DRF's JSON parser)."""
    answers = _send_to_every_json_operation(fuzz_world, DEEPLY_NESTED_JSON)
    # Ollama's model management is refused to a non-admin before its body is read.
    expected = {label: 403 if label in OLLAMA_ADMIN_ONLY else 400 for label in answers}
    assert {label: r.status_code for label, r in answers.items()} == expected
    for label, response in answers.items():
        path = label.split(" ", 1)[1]
        assert_error_shape(response, path)
        if response.status_code == 400:
            code = response.json()["code" if path.startswith("/ollama/") else "error"]
            assert (code if isinstance(code, str) else code["code"]) == "malformed_request"


@pytest.mark.slow
def test_a_malformed_multipart_body_sent_straight_to_daphne_gets_the_envelope(live_gateway):
    # BUG-3: Twisted parsed multipart bodies itself and answered a malformed one with a
    # bare 400 (no body, no X-Request-ID) before the gateway ran.
    response = httpx.post(
        f"{live_gateway.url}/api/auth/login",
        content=b'{"username": "x", "password": "y"}',
        headers={"Content-Type": "multipart/form-data"},
        timeout=10,
    )
    assert 400 <= response.status_code < 500
    assert response.headers.get("X-Request-ID")
    assert response.json()["request_id"] == response.headers["X-Request-ID"]
