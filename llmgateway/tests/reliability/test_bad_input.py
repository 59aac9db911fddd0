"""What a client can get wrong, sent as raw bytes over real HTTP to a live gateway.

Every case answers a 4xx in the one error envelope with a specific code: never a 500,
never a hang, and nothing is stored. The data the gateway needs (a user and one of their
conversations) is committed once for the module and removed at its end, so the many
cases here cost one request each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pytest
from django.conf import settings

from accounts.models import User
from conversations.models import Conversation
from llmgateway.tests.reliability.client import CHAT, STREAM, assert_envelope, bearer
from llmgateway.tests.reliability.conftest import REQUEST_TIMEOUT_SECONDS

# django_db: each test runs in a rolled-back transaction (cheap); it also makes
# pytest-django create the test database when this module runs alone.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

JSON = "application/json"
TEN_MB = 10 * 1024 * 1024
# Python's JSON parser recurses once per level; this is far deeper than its stack allows,
# and at 100 KB well under the 1 MB body limit.
DEEPLY_NESTED = b"[" * 100_000


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    status: int
    code: str
    field: str | None = None  # the field `details` must name
    content_type: str | None = JSON
    marks: tuple = ()

    def param(self):
        return pytest.param(self, id=self.name, marks=self.marks)


def as_json(data) -> bytes:
    return json.dumps(data).encode()


CHAT_CASES = [
    Case("malformed_json", b'{"query": "hi"', 400, "malformed_request"),
    Case("empty_body", b"", 400, "validation_error", "query"),
    Case("body_not_an_object", b'["hi"]', 400, "validation_error"),
    Case("query_not_a_string", as_json({"query": ["hi"]}), 400, "validation_error", "query"),
    Case("query_a_number", as_json({"query": 42}), 400, "validation_error", "query"),
    Case(
        "messages_not_a_list",
        as_json({"query": "hi", "messages": "earlier"}),
        400,
        "validation_error",
        "messages",
    ),
    Case(
        "unknown_field",
        as_json({"query": "hi", "temperature": 0.2}),
        400,
        "validation_error",
        "temperature",
    ),
    Case("empty_query", as_json({"query": ""}), 400, "validation_error", "query"),
    Case("blank_query", as_json({"query": " \n\t "}), 400, "validation_error", "query"),
    Case("query_of_100_kb", as_json({"query": "x" * 100_000}), 400, "validation_error", "query"),
    Case(
        "query_one_over_the_hard_cap",
        as_json({"query": "x" * (settings.QUERY_HARD_CAP_CHARS + 1)}),
        400,
        "validation_error",
        "query",
    ),
    Case(
        "body_of_10_mb",
        b'{"query": "' + b"x" * TEN_MB + b'"}',
        413,
        "payload_too_large",
    ),
    Case(
        "conversation_id_not_a_uuid",
        as_json({"query": "hi", "conversation_id": "not-a-uuid"}),
        400,
        "validation_error",
        "conversation_id",
    ),
    Case(
        "conversation_id_a_number",
        as_json({"query": "hi", "conversation_id": 12345}),
        400,
        "validation_error",
        "conversation_id",
    ),
    Case(
        "conversation_id_unknown",
        as_json({"query": "hi", "conversation_id": "3f2a1e4c-0000-4000-8000-000000000000"}),
        404,
        "not_found",
    ),
    Case("nul_in_query", b'{"query": "a\\u0000b"}', 400, "validation_error", "query"),
    Case(
        "nul_in_a_prior_message",
        b'{"query": "hi", "messages": [{"role": "user", "content": "a\\u0000"}]}',
        400,
        "validation_error",
        "messages",
    ),
    Case("lone_surrogate_in_query", b'{"query": "a\\ud800b"}', 400, "validation_error", "query"),
    Case("raw_control_character", b'{"query": "a\x01\x1bb"}', 400, "malformed_request"),
    Case("invalid_utf8", b'{"query": "caf\xe9 \xff"}', 400, "malformed_request"),
    Case("text_plain", as_json({"query": "hi"}), 415, "unsupported_media_type", None, "text/plain"),
    Case(
        "form_encoded",
        b"query=hi",
        415,
        "unsupported_media_type",
        None,
        "application/x-www-form-urlencoded",
    ),
    Case("no_content_type", as_json({"query": "hi"}), 415, "unsupported_media_type", None, None),
    Case("deeply_nested_json", DEEPLY_NESTED, 400, "malformed_request"),
]

VALID_REGISTRATION = {
    "username": "newbie",
    "email": "newbie@example.com",
    "password": "Sup3r-s3cret!",
}

AUTH_CASES = [
    Case("malformed_json", b'{"username": "x"', 400, "malformed_request"),
    Case("empty_body", b"", 400, "validation_error", "username"),
    Case("body_not_an_object", b'"bob"', 400, "validation_error"),
    Case(
        "password_not_a_string",
        as_json({**VALID_REGISTRATION, "password": {"$ne": ""}}),
        400,
        "validation_error",
        "password",
    ),
    Case(
        "nul_in_username",
        as_json({**VALID_REGISTRATION, "username": "bo\x00b"}),
        400,
        "validation_error",
        "username",
    ),
    Case(
        "lone_surrogate_in_password",
        b'{"username": "newbie", "email": "newbie@example.com", "password": "Sup3r-\\ud800!"}',
        400,
        "validation_error",
        "password",
    ),
    Case("invalid_utf8", b'{"username": "caf\xe9", "password": "x"}', 400, "malformed_request"),
    Case(
        "text_plain", as_json(VALID_REGISTRATION), 415, "unsupported_media_type", None, "text/plain"
    ),
    Case(
        "body_of_10_mb",
        b'{"username": "' + b"x" * TEN_MB + b'"}',
        413,
        "payload_too_large",
    ),
    Case("deeply_nested_json", DEEPLY_NESTED, 400, "malformed_request"),
]

REGISTER_ONLY_CASES = [
    Case(
        "email_not_an_email",
        as_json({**VALID_REGISTRATION, "email": "not-an-email"}),
        400,
        "validation_error",
        "email",
    ),
]

RENAME_CASES = [
    Case("malformed_json", b'{"title": "x"', 400, "malformed_request"),
    Case("no_title", b"{}", 400, "validation_error", "title"),
    Case("title_too_long", as_json({"title": "x" * 5000}), 400, "validation_error", "title"),
    Case("nul_in_title", b'{"title": "a\\u0000b"}', 400, "validation_error", "title"),
    Case("lone_surrogate_in_title", b'{"title": "a\\udfffb"}', 400, "validation_error", "title"),
    Case("invalid_utf8", b'{"title": "caf\xe9"}', 400, "malformed_request"),
    Case("text_plain", as_json({"title": "x"}), 415, "unsupported_media_type", None, "text/plain"),
    Case("body_of_10_mb", b'{"title": "' + b"x" * TEN_MB + b'"}', 413, "payload_too_large"),
    Case("deeply_nested_json", DEEPLY_NESTED, 400, "malformed_request"),
    Case(
        "title_a_number",
        as_json({"title": 5}),
        400,
        "validation_error",
        "title",
    ),
    Case(
        "unknown_field",
        as_json({"title": "x", "user": "someone-else"}),
        400,
        "validation_error",
        "user",
    ),
]


@pytest.fixture(scope="module")
def gateway(start_gateway):
    return start_gateway()


@pytest.fixture(scope="module")
def owner(django_db_setup, django_db_blocker):
    """A committed user with one conversation, removed (with all it owns) at the end."""
    with django_db_blocker.unblock():
        user = User.objects.create_user(
            username="carol", email="carol@example.com", password="Sup3r-secret!"
        )
        conversation = Conversation.objects.create(user=user, title="original title")
    yield user, conversation
    with django_db_blocker.unblock():
        User.objects.all().delete()  # carol, and anyone a registration case created


@pytest.fixture(scope="module")
def http(gateway, owner):
    user, _ = owner
    with httpx.Client(
        base_url=gateway.url, headers=bearer(user), timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        yield client


def send(http, method: str, path: str, case: Case) -> httpx.Response:
    headers = {"Content-Type": case.content_type} if case.content_type else {}
    return http.request(method, path, content=case.body, headers=headers)


def assert_rejected(response: httpx.Response, case: Case) -> None:
    error = assert_envelope(response, case.status, case.code)
    if case.field:
        assert case.field in error["details"], error


@pytest.mark.parametrize("path", [CHAT, STREAM])
@pytest.mark.parametrize("case", [c.param() for c in CHAT_CASES])
def test_chat_rejects_bad_input_with_a_specific_4xx(http, path, case):
    assert_rejected(send(http, "POST", path, case), case)


def test_rejected_chat_input_stores_nothing_and_costs_no_quota(http):
    for case in CHAT_CASES[:3]:
        send(http, "POST", CHAT, case)

    assert http.get("/api/conversations/").json()["count"] == 1  # only the module's own
    assert http.get("/api/user/me").json()["quota"]["used_this_minute"] == 0


@pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/login"])
@pytest.mark.parametrize("case", [c.param() for c in AUTH_CASES])
def test_auth_rejects_bad_input_with_a_specific_4xx(http, path, case):
    assert_rejected(send(http, "POST", path, case), case)


@pytest.mark.parametrize("case", [c.param() for c in REGISTER_ONLY_CASES])
def test_register_rejects_bad_input_with_a_specific_4xx(http, case):
    assert_rejected(send(http, "POST", "/api/auth/register", case), case)


def test_register_ignores_privilege_fields(gateway):
    """Mass assignment: registration ignores fields it does not declare (accounts' design),
    so `role`, `is_staff` or a quota in the body never make an admin or a bigger quota."""
    body = {**VALID_REGISTRATION, "username": "eve", "email": "eve@example.com"}
    body |= {"role": "admin", "is_staff": True, "is_superuser": True, "quota_per_minute": 10**6}
    response = httpx.post(f"{gateway.url}/api/auth/register", json=body)

    assert response.status_code == 201, response.text
    assert response.json()["role"] == "user"
    login = {"username": "eve", "password": body["password"]}
    token = httpx.post(f"{gateway.url}/api/auth/login", json=login).json()["access_token"]
    me = httpx.get(f"{gateway.url}/api/user/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "user"
    assert me.json()["quota"]["per_minute"] == settings.QUOTA_PER_MINUTE


@pytest.mark.parametrize("case", [c.param() for c in RENAME_CASES])
def test_conversation_rename_rejects_bad_input_with_a_specific_4xx(http, owner, case):
    _, conversation = owner
    response = send(http, "PATCH", f"/api/conversations/{conversation.pk}", case)

    assert_rejected(response, case)
    assert http.get(f"/api/conversations/{conversation.pk}").json()["title"] == "original title"


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-uuid",
        "12345",
        "3f2a1e4c-0000-4000-8000-00000000000g",  # a non-hex digit
        "3f2a1e4c-0000-4000-8000-0000000000000",  # one digit too many
        "3f2a1e4c00004000800000000000000",  # one digit short, no dashes
        "%00",
        "..%2F..%2Fadmin",
    ],
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_invalid_conversation_id_in_the_path_is_a_404(http, method, bad_id):
    response = http.request(method, f"/api/conversations/{bad_id}", json={"title": "x"})

    assert_envelope(response, 404, "not_found")


def test_an_unsupported_method_on_a_conversation_is_a_405(http, owner):
    _, conversation = owner
    response = http.put(f"/api/conversations/{conversation.pk}", json={"title": "x"})

    assert_envelope(response, 405, "method_not_allowed")
