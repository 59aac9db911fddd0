"""Fixtures for the API fuzz tests: a live gateway, its personas and real objects, and the
schemathesis schema loaded from the gateway's own /openapi.json.

The gateway is one real Daphne process on the test database; its Ollama is the Ollama
test server (every query routed to the general agent, so chats answer at once) and its
web search the fake backend (WEB_SEARCH_BACKEND in the test environment).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import schemathesis
from rest_framework_simplejwt.tokens import AccessToken

from llmgateway.tests.fuzz.helpers import PASSWORD, FuzzWorld, Persona, call
from ollama_testserver import Reply

# Bounded and reproducible: a fixed seed, derandomized Hypothesis, no example database, a
# capped number of fuzzing examples per operation (the coverage phase adds a bounded,
# deterministic set of boundary values, wrong types, missing fields, unexpected methods
# and content types), and a total read budget per request: the chat stream is read until
# it ends, or for at most REQUEST_TIMEOUT_SECONDS, never forever.
MAX_EXAMPLES = 20
AUTH_MAX_EXAMPLES = 5  # each example is sent with every kind of bad credentials
SEED = 20_240_611
REQUEST_TIMEOUT_SECONDS = 15
SCHEMATHESIS_CONFIG = {
    "seed": SEED,
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
        # Valid and invalid inputs: an invalid one must get a documented 4xx, never a 5xx.
        "mode": "all",
        # Credentials are the test's real tokens and keys, not generated strings.
        "with-security-parameters": False,
    },
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "request-timeout": REQUEST_TIMEOUT_SECONDS,
    "max-stream-events": 500,
    "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
}

CLASSIFIER_ANSWER = {"intent": "general", "confidence": 0.9, "complexity": "simple"}


def _make_user(username: str, *, role: str = "user"):
    from accounts.models import User

    return User.objects.create_user(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        quota_per_minute=100_000,  # 429 is documented, but must not drown the success path
    )


def make_persona(url: str, user) -> Persona:
    access = str(AccessToken.for_user(user))
    headers = {"Authorization": f"Bearer {access}"}
    created = call(url, "POST", "/api/user/api-keys", headers, 201, json={"name": user.username})
    return Persona(user=user, access_token=access, api_key=created["key"])


def bad_credentials(world: FuzzWorld, inactive: Persona) -> dict[str, dict[str, str]]:
    """Headers that must get a 401 on every protected operation (SPEC section 5)."""
    expired = AccessToken.for_user(world.user.user)
    expired.set_exp(lifetime=-timedelta(minutes=1))
    revoked = world.create_api_key(world.user, name="revoked")
    call(world.url, "DELETE", f"/api/user/api-keys/{revoked['id']}", world.user.headers("jwt"), 204)
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


@pytest.fixture(autouse=True)
def _schemathesis_nodeid_shim(request):
    """Compatibility: schemathesis 4.32.5's lazy schemas (`from_fixture`) read and rewrite
    the private `Item._nodeid`, which pytest 9.2 no longer has (it keeps `_id`). Give the
    item the attribute it expects; pytest itself never reads it."""
    if "_nodeid" not in vars(request.node):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def fuzz_ollama(ollama_server):
    """The Ollama test server: the classifier routes every query to `general`/`simple`."""
    ollama_server.on_structured(Reply(content=json.dumps(CLASSIFIER_ANSWER)))
    ollama_server.set_default(Reply(content="A short, deterministic answer for the fuzzer."))
    return ollama_server


@pytest.fixture
def fuzz_gateway(fuzz_ollama, live_gateway_factory):
    """One Daphne process; its OLLAMA_URL is the test server (requested first, above).

    Login lockout is set high so that generated wrong passwords do not lock the fuzzer
    out of the success path; lockout itself (a documented 429) has its own tests.
    """
    return live_gateway_factory(LOGIN_MAX_FAILURES="100000")


@pytest.fixture
def fuzz_world(fuzz_gateway, transactional_db, request) -> Iterator[FuzzWorld]:
    """A user (with a quota the fuzzer cannot reach), an admin and an outsider, each with
    a JWT and an API key; the user's conversation holds a real exchange; credentials that
    must not work, including a deactivated user's."""
    url = fuzz_gateway.url
    user = make_persona(url, _make_user("fuzz_user"))
    admin = make_persona(url, _make_user("fuzz_admin", role="admin"))
    outsider = make_persona(url, _make_user("fuzz_outsider"))
    inactive = make_persona(url, _make_user("fuzz_inactive"))
    inactive.user.is_active = False
    inactive.user.save(update_fields=["is_active"])

    world = FuzzWorld(url=url, user=user, admin=admin, outsider=outsider)
    chat = world_chat(world)
    world.conversation_id = chat["conversation_id"]
    world.foreign_conversation_id = world.create_conversation(outsider)
    world.foreign_api_key_id = world.create_api_key(outsider, name="outsider-second")["id"]
    world.bad_credentials = bad_credentials(world, inactive)
    yield world

    # What ran, for the CI log: examples and the statuses answered, per operation.
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if world.statuses and reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(f"{request.node.name}: {world.summary()}")


def world_chat(world: FuzzWorld) -> dict:
    """One real exchange, so the user's conversation has messages of both roles."""
    response = httpx.post(
        f"{world.url}/api/chat/",
        json={"query": "Hello there, what can you do?"},
        headers=world.user.headers("jwt"),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def load_live_schema(world: FuzzWorld, config: dict):
    """The schema exactly as the live gateway serves it at /openapi.json."""
    schema = schemathesis.openapi.from_url(
        f"{world.url}/openapi.json", config=schemathesis.Config.from_dict(config)
    )
    schema.config.update(base_url=world.url)
    return schema


@pytest.fixture
def live_schema(fuzz_world):
    return load_live_schema(fuzz_world, SCHEMATHESIS_CONFIG)


@pytest.fixture
def live_schema_for_auth(fuzz_world):
    """For the missing-credentials test: fuzzing only, fewer examples. What matters there
    is that nothing about the request gets past a missing credential, which a handful of
    valid and invalid inputs per operation shows; the boundary values are the other test's."""
    config = {
        **SCHEMATHESIS_CONFIG,
        "generation": {**SCHEMATHESIS_CONFIG["generation"], "max-examples": AUTH_MAX_EXAMPLES},
        "phases": {**SCHEMATHESIS_CONFIG["phases"], "coverage": {"enabled": False}},
    }
    return load_live_schema(fuzz_world, config)
