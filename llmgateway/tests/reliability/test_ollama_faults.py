"""Ollama failing in every way we know, over real HTTP on a live gateway.

For each fault: POST /api/chat/ answers 503 `llm_unavailable`; POST /api/chat/stream ends
with an SSE `error` event carrying that code (and no `done`); either way the user's
message is stored, the ledger has one `error` row for the request, and the next request
is answered normally, without restarting anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from conversations.models import Message
from llmgateway.tests.reliability.client import CHAT, assert_envelope, stream_events
from llmgateway.tests.reliability.conftest import client_for, is_answer_request, route_to_general
from metrics.models import UsageRecord
from ollama_testserver import ModelSpec, OllamaTestServer, Reply

pytestmark = pytest.mark.slow

LONG_ANSWER = "A steady answer that streams in many small pieces " * 4
MISSING_MODEL = "llama3.2:1b"


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Callable  # (ollama, proxy) -> None
    heal: Callable = lambda ollama, proxy: None

    def __str__(self) -> str:
        return self.name


def _scripted(fault: str) -> Callable:
    def inject(ollama, proxy) -> None:
        reply = Reply(content=LONG_ANSWER, fault=fault, chunk_count=8)
        ollama.add_rule(reply, when=is_answer_request, times=1)

    return inject


FAULTS = [
    Fault(
        "not_listening",
        inject=lambda ollama, proxy: proxy.cut(),
        heal=lambda ollama, proxy: proxy.restore(),
    ),
    Fault("http_500", _scripted("http_500")),
    Fault("slower_than_timeout", _scripted("hang")),
    Fault("silent_midstream", _scripted("hang_midstream")),
    Fault("error_line_midstream", _scripted("error_midstream")),
    Fault("connection_dropped_midstream", _scripted("drop_midstream")),
]


@pytest.fixture(scope="module")
def gateway(start_gateway, ollama_proxy):
    """Ollama behind a switchable proxy; a 1 s OLLAMA_TIMEOUT makes a hang quick to prove."""
    return start_gateway(OLLAMA_URL=ollama_proxy.url, OLLAMA_TIMEOUT="1")


def assert_failure_recorded(user, query: str) -> None:
    """The question is stored, no answer is, and the ledger has one `error` row for it."""
    question = Message.objects.get(conversation__user=user, role="user", content=query)
    conversation = question.conversation
    assert list(conversation.messages.values_list("role", flat=True)) == ["user"]
    usage = UsageRecord.objects.get(conversation=conversation)
    assert (usage.outcome, usage.cached, usage.user_id) == ("error", False, user.pk)


def assert_next_chat_answered(http, query: str) -> None:
    response = http.post(CHAT, json={"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["is_blocked"], body["cached"]) == (False, False)
    assert body["response"]
    assert UsageRecord.objects.get(conversation_id=body["conversation_id"]).outcome == "ok"


@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_chat_answers_503_llm_unavailable_when_ollama_fails(
    fault, gateway, ollama, ollama_proxy, chat_user
):
    query = f"Summarise the plot of Hamlet ({fault})"
    with client_for(gateway, chat_user) as http:
        fault.inject(ollama, ollama_proxy)
        response = http.post(CHAT, json={"query": query})
        fault.heal(ollama, ollama_proxy)

        assert_envelope(response, 503, "llm_unavailable")
        assert_failure_recorded(chat_user, query)
        assert_next_chat_answered(http, f"Summarise Macbeth ({fault})")


@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_stream_ends_with_an_llm_unavailable_error_event_when_ollama_fails(
    fault, gateway, ollama, ollama_proxy, chat_user
):
    query = f"Tell me about lighthouses ({fault})"
    with client_for(gateway, chat_user) as http:
        fault.inject(ollama, ollama_proxy)
        events = stream_events(http, query)
        fault.heal(ollama, ollama_proxy)

        names = [event.event for event in events]
        assert names[-1] == "error", names
        assert "done" not in names
        assert events[-1].data["code"] == "llm_unavailable"
        assert events[-1].data["message"]
        assert_failure_recorded(chat_user, query)
        assert_next_chat_answered(http, f"Tell me about harbours ({fault})")


# --- a configured model the server does not have (HTTP 404 from Ollama) -------------------
@pytest.fixture(scope="module")
def bare_ollama():
    """An Ollama test server of its own, so "pulling" a model touches no other test."""
    with OllamaTestServer() as server:
        yield server


@pytest.fixture
def ollama_without_model(bare_ollama):
    bare_ollama.reset()
    bare_ollama.catalog.models.pop(MISSING_MODEL, None)
    route_to_general(bare_ollama)
    yield bare_ollama
    bare_ollama.catalog.models.pop(MISSING_MODEL, None)


@pytest.fixture(scope="module")
def gateway_with_missing_model(start_gateway, bare_ollama):
    return start_gateway(OLLAMA_URL=bare_ollama.url, MODEL_SIMPLE=MISSING_MODEL)


def _pull(server: OllamaTestServer) -> None:
    """What `manage.py pull_models` would achieve: the server now has the model."""
    server.catalog.models[MISSING_MODEL] = ModelSpec.named(MISSING_MODEL)


def test_chat_answers_503_when_the_configured_model_is_missing(
    gateway_with_missing_model, ollama_without_model, chat_user
):
    query = "What is the capital of Mongolia?"
    with client_for(gateway_with_missing_model, chat_user) as http:
        response = http.post(CHAT, json={"query": query})

        assert_envelope(response, 503, "llm_unavailable")
        assert_failure_recorded(chat_user, query)
        _pull(ollama_without_model)
        assert_next_chat_answered(http, "What is the capital of Peru?")


def test_stream_ends_with_an_error_event_when_the_configured_model_is_missing(
    gateway_with_missing_model, ollama_without_model, chat_user
):
    query = "What is the capital of Chile?"
    with client_for(gateway_with_missing_model, chat_user) as http:
        events = stream_events(http, query)

        assert events[-1].event == "error"
        assert events[-1].data["code"] == "llm_unavailable"
        assert_failure_recorded(chat_user, query)
        _pull(ollama_without_model)
        assert_next_chat_answered(http, "What is the capital of Bolivia?")
