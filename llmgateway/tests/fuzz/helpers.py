"""Helpers for the API fuzz tests: who calls, with which real ids, and the extra checks.

The fuzzer generates requests from the live /openapi.json. On their own, generated ids
are random UUIDs (404) and generated tokens are garbage (401), so the fuzzer would never
reach the success paths. `prepare` substitutes real values into some of the generated
cases: the caller's own conversation or key, another user's (404), real credentials for
login, a fresh refresh token for refresh and logout, a policy-conforming password.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.core import NotSet
from schemathesis.core.deserialization import deserialize_response

PASSWORD = "Sup3r-secret!"  # the fuzz personas' password
VALID_NEW_PASSWORD = "Fuzz-passw0rd!"  # meets the registration policy
OTHER_METHODS = "methods the paths do not document"


def call(url: str, method: str, path: str, headers: dict, expect: int, **kw) -> Any:
    """A set-up request to the live gateway, which must answer `expect`; its JSON, if any."""
    response = httpx.request(method, url + path, headers=headers, timeout=30, **kw)
    assert response.status_code == expect, response.text
    return response.json() if response.content else None


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


@dataclass
class FuzzWorld:
    """The live gateway and the real objects the fuzzer substitutes into requests."""

    url: str
    user: Persona
    admin: Persona
    outsider: Persona
    conversation_id: str = ""  # the user's, with a question and an answer in it
    foreign_conversation_id: str = ""  # the outsider's
    foreign_api_key_id: str = ""  # the outsider's
    # Credentials that must not authenticate anyone, by name (conftest.bad_credentials).
    bad_credentials: dict[str, dict[str, str]] = field(default_factory=dict)
    # Statuses answered per "METHOD /path"; the coverage phase's probes with methods the
    # paths do not document are counted together, under OTHER_METHODS.
    statuses: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    repeats: dict[str, int] = field(default_factory=dict)  # input-less cases seen so far

    def record(self, case, status_code: int) -> None:
        documented = case.method.upper() == case.operation.method.upper()
        self.statuses[operation_label(case) if documented else OTHER_METHODS].append(status_code)

    def summary(self) -> str:
        """Requests sent and statuses answered, per operation."""
        lines = [
            f"  {label}: {len(codes)} requests, statuses {dict(sorted(Counter(codes).items()))}"
            for label, codes in sorted(self.statuses.items())
        ]
        return "\n".join([f"fuzz: {sum(map(len, self.statuses.values()))} requests", *lines])

    def create_conversation(self, persona: Persona) -> str:
        jwt = persona.headers("jwt")
        return call(self.url, "POST", "/api/conversations/", jwt, 201, json={"title": "fuzz"})["id"]

    def create_api_key(self, persona: Persona, name: str = "fuzz") -> dict[str, Any]:
        return call(
            self.url, "POST", "/api/user/api-keys", persona.headers("jwt"), 201, json={"name": name}
        )


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
        body = None if isinstance(case.body, NotSet) else case.body
        parts = (case.method, case.path_parameters, case.query, case.headers, body, repeat)
        self._seed = repr(parts).encode("utf-8", "backslashreplace")

    def pick(self, salt: str, options: list[str]) -> str:
        return options[zlib.crc32(salt.encode() + self._seed) % len(options)]


def prepare(case, world: FuzzWorld) -> dict[str, str]:
    """Substitute real values into `case` (for some cases); return the auth headers."""
    label, repeat = operation_label(case), 0
    if not case.path_parameters and not case.query and isinstance(case.body, NotSet):
        repeat = world.repeats[label] = world.repeats.get(label, -1) + 1
    choose = Chooser(case, repeat)
    # Substitute into copies: schemathesis derives some cases from earlier ones and shares
    # their dicts, so edits in place would leak real (per-run random) values into them.
    params = case.path_parameters = dict(case.path_parameters)
    body = case.body = dict(case.body) if isinstance(case.body, dict) else case.body
    path, headers, caller = case.operation.path, {}, world.user
    if security_schemes(case.operation):
        if path.startswith("/api/admin/"):
            # Mostly the admin (the success path); sometimes a plain user (403).
            caller = getattr(world, choose.pick("persona", ["admin", "admin", "user"]))
        # JWT or API key; an API key on a JWT-only operation is a documented 403.
        headers = caller.headers(choose.pick("auth", ["jwt", "api_key"]))

    which = choose.pick("id", ["generated", "own", "own", "foreign"])
    if path == "/api/conversations/{id}" and which == "own":
        # DELETE gets a conversation of its own, so the shared one keeps its messages.
        delete = case.method.upper() == "DELETE"
        params["id"] = world.create_conversation(world.user) if delete else world.conversation_id
    elif path == "/api/conversations/{id}" and which == "foreign":
        params["id"] = world.foreign_conversation_id
    elif path == "/api/user/api-keys/{api_key_id}" and which == "own":
        params["api_key_id"] = world.create_api_key(world.user)["id"]
    elif path == "/api/user/api-keys/{api_key_id}" and which == "foreign":
        params["api_key_id"] = world.foreign_api_key_id

    if not isinstance(body, dict):
        return headers
    if path in ("/api/chat/", "/api/chat/stream"):
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
        if which != "generated":
            owner = caller if which == "own" else world.outsider
            body["refresh_token"] = owner.fresh_refresh_token()
    elif (
        path == "/api/auth/register" and choose.pick("password", ["generated", "valid"]) == "valid"
    ):
        body["password"] = VALID_NEW_PASSWORD
    return headers


def assert_envelope(response) -> None:
    """SPEC section 6: `{"error": {"code", "message", "details"}, "request_id"}`."""
    body = response.json()
    request_id = response.headers["x-request-id"]  # a list in schemathesis's responses
    request_id = request_id if isinstance(request_id, str) else request_id[0]
    assert isinstance(body, dict) and set(body) == {"error", "request_id"}, body
    assert isinstance(body["request_id"], str) and body["request_id"] == request_id, body
    assert request_id, body
    assert isinstance(body["error"], dict), body
    assert {"code", "message", "details"} <= set(body["error"]), body
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"]["code"]), body


def assert_ollama_error(response) -> None:
    """SPEC section 13's one exception, under /ollama: `{"error": "<message>", "code",
    "request_id"}`, the string Ollama's own clients read."""
    body = response.json()
    request_id = response.headers["x-request-id"]
    request_id = request_id if isinstance(request_id, str) else request_id[0]
    assert isinstance(body, dict) and {"error", "code", "request_id"} <= set(body), body
    assert isinstance(body["error"], str) and body["error"], body
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["code"]), body
    assert body["request_id"] == request_id, body


def assert_error_shape(response, path: str) -> None:
    """The error shape of the API `path` belongs to."""
    if path.startswith("/ollama/"):
        assert_ollama_error(response)
    else:
        assert_envelope(response)


def check_request_id(ctx, response, case) -> None:
    """Every response carries X-Request-ID; every error is its API's error shape."""
    assert response.headers.get("x-request-id"), "the response has no X-Request-ID header"
    if response.status_code >= 400:
        assert_error_shape(response, case.operation.path)


def check_event_stream(ctx, response, case) -> None:
    """POST /api/chat/stream: response_schema_conformance checks each event's shape; this
    checks the sequence. JSON data throughout, ending with exactly one `done` (carrying
    every field the ChatResponse component requires) or `error` (`{code, message}`)."""
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.split(";")[0].strip() != "text/event-stream":
        return
    assert not response.stream_cut_short, "the stream did not end within the read budget"
    context = schemathesis.DeserializationContext(operation=case.operation, case=case)
    events = deserialize_response(response, "text/event-stream", context=context)
    names = [event["event"] for event in events]  # heartbeats (comments) are not events
    payloads = [json.loads(event["data"]) for event in events]
    assert names, "an empty event stream"
    assert names[-1] in ("done", "error"), names
    assert names.count("done") + names.count("error") == 1, names
    required = {"code", "message"}
    if names[-1] == "done":
        required = set(
            case.operation.schema.raw_schema["components"]["schemas"]["ChatResponse"]["required"]
        )
    assert required <= set(payloads[-1]), payloads[-1]
