"""Helpers for the API fuzz tests: who calls, with which real ids, and the extra checks.

The fuzzer generates requests from the live /openapi.json. On their own, generated ids
are random UUIDs (404) and generated tokens are garbage (401), so the fuzzer would never
reach the success paths. `prepare` substitutes real values into some of the generated
cases: the caller's own conversation or key, another user's (404), real credentials for
login, a fresh refresh token for refresh and logout, a policy-conforming password.

Known bugs the suite narrows its checks for are marked BUG-n; the fuzz report lists them
with reproducers and fixes.
"""

from __future__ import annotations

import json
import re
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

PASSWORD = "Sup3r-secret!"  # the fuzz personas' password
VALID_NEW_PASSWORD = "Fuzz-passw0rd!"  # meets the registration policy
HTTP_TIMEOUT = 30.0


@dataclass
class Persona:
    """A user the fuzzer can act as: a JWT access token and an API key."""

    user: Any
    access_token: str
    api_key: str

    def headers(self, kind: str) -> dict[str, str]:
        if kind == "api_key":
            return {"X-API-Key": self.api_key}
        return {"Authorization": f"Bearer {self.access_token}"}

    def fresh_refresh_token(self) -> str:
        return str(RefreshToken.for_user(self.user))


def operation_label(case) -> str:
    return f"{case.method.upper()} {case.operation.path}"


def is_documented_method(case) -> bool:
    """False for the coverage phase's probes with methods the path does not document."""
    return case.method.upper() == case.operation.method.upper()


def has_routable_path(case) -> bool:
    """Every path id is a UUID. The routes use `<uuid:...>`, so any other id matches no
    route at all: a 404 before authentication, by design (conversations/urls.py)."""
    for value in (case.path_parameters or {}).values():
        try:
            uuid.UUID(str(value))
        except ValueError:
            return False
    return True


@dataclass
class FuzzWorld:
    """The live gateway and the real objects the fuzzer substitutes into requests."""

    url: str
    user: Persona
    admin: Persona
    outsider: Persona
    conversation_id: str  # the user's, with a question and an answer in it
    foreign_conversation_id: str  # the outsider's
    foreign_api_key_id: str  # the outsider's
    # Credentials that must not authenticate anyone, by name (see `bad_credentials`).
    bad_credentials: dict[str, dict[str, str]] = field(default_factory=dict)
    # Status codes the gateway answered, per "METHOD /path".
    statuses: dict[str, list[int]] = field(default_factory=dict)
    undocumented_methods: set[str] = field(default_factory=set)
    repeats: dict[str, int] = field(default_factory=dict)  # input-less cases seen so far

    def record(self, case, status_code: int) -> None:
        label = operation_label(case)
        self.statuses.setdefault(label, []).append(status_code)
        if not is_documented_method(case):
            self.undocumented_methods.add(label)

    def summary(self) -> str:
        documented = {k: v for k, v in self.statuses.items() if k not in self.undocumented_methods}
        probes = sum(len(self.statuses[label]) for label in self.undocumented_methods)
        lines = [
            f"  {label}: {len(codes)} examples, statuses {dict(sorted(Counter(codes).items()))}"
            for label, codes in sorted(documented.items())
        ]
        total = sum(len(codes) for codes in documented.values())
        head = (
            f"fuzz: {len(documented)} operations, {total} examples, and {probes} requests "
            f"with undocumented methods on {len(self.undocumented_methods)} method+path pairs"
        )
        return "\n".join([head, *lines])

    def persona(self, name: str) -> Persona:
        return {"user": self.user, "admin": self.admin, "outsider": self.outsider}[name]

    def create_conversation(self, persona: Persona) -> str:
        response = httpx.post(
            f"{self.url}/api/conversations/",
            json={"title": "fuzz"},
            headers=persona.headers("jwt"),
            timeout=HTTP_TIMEOUT,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def create_api_key(self, persona: Persona, name: str = "fuzz") -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/api/user/api-keys",
            json={"name": name},
            headers=persona.headers("jwt"),
            timeout=HTTP_TIMEOUT,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def revoke_api_key(self, persona: Persona, api_key_id: str) -> None:
        response = httpx.delete(
            f"{self.url}/api/user/api-keys/{api_key_id}",
            headers=persona.headers("jwt"),
            timeout=HTTP_TIMEOUT,
        )
        assert response.status_code == 204, response.text


def make_persona(url: str, user) -> Persona:
    access = str(AccessToken.for_user(user))
    response = httpx.post(
        f"{url}/api/user/api-keys",
        json={"name": f"{user.username}-fuzz"},
        headers={"Authorization": f"Bearer {access}"},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 201, response.text
    return Persona(user=user, access_token=access, api_key=response.json()["key"])


def bad_credentials(world: FuzzWorld, inactive: Persona) -> dict[str, dict[str, str]]:
    """Headers that must get a 401 on every protected operation (SPEC section 5)."""
    expired = AccessToken.for_user(world.user.user)
    expired.set_exp(lifetime=-timedelta(minutes=1))
    revoked = world.create_api_key(world.user, name="revoked")
    world.revoke_api_key(world.user, revoked["id"])
    return {
        "none": {},
        "garbage_bearer": {"Authorization": "Bearer not-a-jwt"},
        "empty_bearer": {"Authorization": "Bearer "},
        "basic_scheme": {"Authorization": "Basic Zm9vOmJhcg=="},
        "expired_jwt": {"Authorization": f"Bearer {expired}"},
        "refresh_token_as_access": {"Authorization": f"Bearer {world.user.fresh_refresh_token()}"},
        "unknown_api_key": {"X-API-Key": "sk-" + "A" * 43},
        "revoked_api_key": {"X-API-Key": revoked["key"]},
        "inactive_user_jwt": inactive.headers("jwt"),
        "inactive_user_api_key": inactive.headers("api_key"),
    }


def security_schemes(operation) -> set[str]:
    """Names of the schemes that protect the operation; empty for a public one."""
    security = operation.definition.raw.get("security")
    if security is None:
        security = operation.schema.raw_schema.get("security") or []
    return {name for requirement in security for name in requirement}


class Chooser:
    """Deterministic choices for one generated case.

    Derived from the case's own content (not drawn from Hypothesis), so the same case
    always gets the same substitutions: replays while shrinking stay consistent, runs are
    reproducible, and schemathesis keeps its coverage phase (which it turns off for tests
    that draw extra Hypothesis data). A case with no inputs at all (GET /api/user/me) can
    not shrink, so its repeats take turns instead (`repeat`).
    """

    def __init__(self, case, repeat: int = 0) -> None:
        # NotSet (no body) has an address in its repr: it must not leak into the seed.
        body = case.body if isinstance(case.body, dict | list | str | bytes) else None
        parts = (case.method, case.path_parameters, case.query, case.headers, body, repeat)
        self._seed = repr(parts).encode("utf-8", "backslashreplace")
        with open("/tmp/fuzz_seeds.txt", "a") as f:  # DEBUG
            f.write(repr(parts)[:300] + "\n")  # DEBUG

    def pick(self, salt: str, options: list[str]) -> str:
        return options[zlib.crc32(salt.encode() + self._seed) % len(options)]


def has_no_inputs(case) -> bool:
    return not case.path_parameters and not case.query and not isinstance(case.body, dict | list)


def prepare(case, world: FuzzWorld) -> dict[str, str]:
    """Substitute real values into `case` (for some cases); return the auth headers."""
    repeat = 0
    if has_no_inputs(case):
        repeat = world.repeats[operation_label(case)] = (
            world.repeats.get(operation_label(case), -1) + 1
        )
    choose = Chooser(case, repeat)
    path = case.operation.path
    headers: dict[str, str] = {}
    caller = world.user
    if security_schemes(case.operation):
        if path.startswith("/api/admin/"):
            # Mostly the admin (the success path); sometimes a plain user (403).
            caller = world.persona(choose.pick("persona", ["admin", "admin", "user"]))
        # JWT or API key; an API key on a JWT-only operation is a documented 403.
        headers = caller.headers(choose.pick("auth", ["jwt", "api_key"]))

    params = case.path_parameters
    if path == "/api/conversations/{id}" and isinstance(params, dict):
        which = choose.pick("id", ["generated", "own", "own", "foreign"])
        if which == "own":
            # DELETE gets a conversation of its own, so the shared one keeps its messages.
            params["id"] = (
                world.create_conversation(world.user)
                if case.method.upper() == "DELETE"
                else world.conversation_id
            )
        elif which == "foreign":
            params["id"] = world.foreign_conversation_id
    elif path == "/api/user/api-keys/{api_key_id}" and isinstance(params, dict):
        which = choose.pick("id", ["generated", "own", "own", "foreign"])
        if which == "own":
            params["api_key_id"] = world.create_api_key(world.user)["id"]
        elif which == "foreign":
            params["api_key_id"] = world.foreign_api_key_id

    body = case.body
    if not isinstance(body, dict):
        return headers
    if path in ("/api/chat/", "/api/chat/stream"):
        if choose.pick("extras", ["keep", "drop"]) == "drop":
            # BUG-2: the schema allows extra fields, the view rejects them (400); drop them
            # in half the cases so that the fuzzer reaches the chat itself.
            for name in set(body) - {"query", "messages", "conversation_id"}:
                del body[name]
        which = choose.pick("conversation", ["generated", "own", "foreign", "none", "none"])
        if which == "own":
            body["conversation_id"] = world.conversation_id
        elif which == "foreign":
            body["conversation_id"] = world.foreign_conversation_id
        elif which == "none":
            body.pop("conversation_id", None)
    elif path == "/api/auth/login" and choose.pick("login", ["generated", "real"]) == "real":
        body.update(username=world.user.user.username, password=PASSWORD)
    elif path in ("/api/auth/refresh", "/api/auth/logout"):
        which = choose.pick("refresh", ["generated", "own", "own", "foreign"])
        if which == "own":
            body["refresh_token"] = caller.fresh_refresh_token()
        elif which == "foreign":
            body["refresh_token"] = world.outsider.fresh_refresh_token()
    elif (
        path == "/api/auth/register" and choose.pick("password", ["generated", "valid"]) == "valid"
    ):
        body["password"] = VALID_NEW_PASSWORD
    return headers


def is_bare_multipart_rejection(response) -> bool:
    """BUG-3: Daphne's HTTP layer (Twisted) parses a POST multipart/form-data body itself
    and answers a malformed one with a bare `400` (no headers, no body) before the gateway
    runs: no envelope, no X-Request-ID. No endpoint of the API takes multipart."""
    sent = response.request.headers.get("Content-Type") or ""
    return (
        sent.lower().startswith("multipart/")
        and response.status_code == 400
        and not response.content
        and not response.headers.get("x-request-id")
    )


def assert_envelope(response) -> None:
    """SPEC section 6: `{"error": {"code", "message", "details"}, "request_id"}`."""
    body = response.json()
    assert isinstance(body, dict), body
    assert set(body) == {"error", "request_id"}, body
    assert isinstance(body["request_id"], str), body
    assert body["request_id"], body
    assert body["request_id"] == response.headers["x-request-id"][0], body
    assert isinstance(body["error"], dict), body
    assert {"code", "message", "details"} <= set(body["error"]), body
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"]["code"]), body


def check_request_id(ctx, response, case) -> None:
    """Every response carries X-Request-ID; every error is the one envelope."""
    if is_bare_multipart_rejection(response):
        return  # narrowed for BUG-3 (see is_bare_multipart_rejection)
    assert response.headers.get("x-request-id"), "the response has no X-Request-ID header"
    if response.status_code >= 400:
        assert_envelope(response)


def is_event_stream(response) -> bool:
    content_type = (response.headers.get("content-type") or [""])[0]
    return content_type.split(";")[0].strip() == "text/event-stream"


SSE_EVENTS = {"meta", "token", "done", "error"}
CHAT_RESPONSE_KEYS = {
    "query",
    "intent",
    "complexity",
    "model",
    "response",
    "conversation_id",
    "confidence",
    "is_blocked",
    "block_reason",
    "cached",
    "sources",
    "usage",
}


def check_event_stream(ctx, response, case) -> None:
    """POST /api/chat/stream: events are meta/token/done/error with JSON data, ending with
    exactly one `done` (a full ChatResponse) or `error`; comments are heartbeats."""
    if not is_event_stream(response):
        return
    assert not response.stream_cut_short, "the stream did not end within the read budget"
    events = []
    for block in re.split(r"\r\n\r\n|\n\n|\r\r", response.content.decode("utf-8")):
        # SSE lines end at CR or LF only (not str.splitlines()'s U+0085, U+2028, ...).
        lines = [line for line in re.split(r"\r\n|\r|\n", block) if line and line[0] != ":"]
        if not lines:
            continue  # a comment (heartbeat) block
        fields = dict(line.split(": ", 1) for line in lines)
        assert fields.get("event") in SSE_EVENTS, block
        events.append((fields["event"], json.loads(fields["data"])))
    names = [name for name, _ in events]
    assert names, "an empty event stream"
    assert names[-1] in ("done", "error"), names
    assert names.count("done") + names.count("error") == 1, names
    last_name, last_data = events[-1]
    if last_name == "done":
        assert set(last_data) >= CHAT_RESPONSE_KEYS, last_data
    else:
        assert {"code", "message"} <= set(last_data), last_data


def response_schema_conformance_except_event_streams(ctx, response, case):
    """schemathesis's body check, narrowed for BUG-1: the stream's 200 documents
    `schema: {type: string}`, which schemathesis (like OpenAPI 3.2) reads as the schema of
    each event, so every event fails. `check_event_stream` validates the events instead,
    until the schema describes one event."""
    if is_event_stream(response):
        return None
    return response_schema_conformance(ctx, response, case)


def is_body_limit_rejection(response) -> bool:
    """BUG-4: a body over MAX_BODY_BYTES (1 MiB) gets `413 payload_too_large` from the ASGI
    body-limit middleware (and from nginx), before authentication, on every operation;
    the schema documents 413 nowhere, although it allows larger chat bodies (100 messages
    of 32,000 characters). Only a real oversized body counts."""
    if response.status_code != 413:
        return False
    body = response.request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    return len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE and (
        json.loads(response.content)["error"]["code"] == "payload_too_large"
    )


def status_code_conformance_except_body_limit(ctx, response, case):
    """schemathesis's status check, narrowed for BUG-4 (see is_body_limit_rejection)."""
    if is_body_limit_rejection(response):
        return None
    return status_code_conformance(ctx, response, case)
