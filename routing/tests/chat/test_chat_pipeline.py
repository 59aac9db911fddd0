"""POST /api/chat/ over real HTTP: the ChatResponse, and the pipeline's order and effects."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from django.conf import settings

from accounts.services import api_key_create
from conversations.models import Conversation, Message
from metrics.models import UsageRecord
from ollama_testserver import Reply
from routing.tests.chat.helpers import CHAT, RESPONSE_KEYS, answer_requests, is_answer_request

QUESTION = "What is the boiling point of water at sea level, in Celsius?"


def test_it_answers_with_the_chat_response_shape(http, ollama):
    ollama.add_rule(Reply(content="It boils at 100 degrees.", eval_count=7), when=is_answer_request)

    response = http.post(CHAT, json={"query": QUESTION})

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == RESPONSE_KEYS
    assert body["query"] == QUESTION
    assert body["response"] == "It boils at 100 degrees."
    assert (body["intent"], body["complexity"]) == ("general", "simple")
    assert body["model"] == settings.MODEL_SIMPLE
    assert body["confidence"] == 0.9
    assert body["is_blocked"] is False
    assert body["block_reason"] is None
    assert body["cached"] is False
    assert body["sources"] == []
    assert body["router"] == "llm"
    uuid.UUID(body["conversation_id"])
    usage = body["usage"]
    assert usage["completion_tokens"] >= 7
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_it_reports_server_timing_and_rate_limit_headers(http, chat_user):
    response = http.post(CHAT, json={"query": QUESTION})

    assert response.status_code == 200
    timing = response.headers["Server-Timing"]
    for metric in ("llm", "db", "redis", "gateway"):
        assert re.search(rf"\b{metric};dur=\d+(\.\d+)?", timing), timing
    assert response.headers["X-RateLimit-Limit"] == "1000"
    assert response.headers["X-RateLimit-Remaining"] == "999"
    assert int(response.headers["X-RateLimit-Reset"]) % 60 == 0
    assert response.headers["X-Request-ID"]


def test_it_stores_the_question_before_the_agent_runs_and_the_answer_after(http, ollama):
    ollama.add_rule(Reply(content="Slowly.", first_token_delay=1.5), when=is_answer_request)

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(http.post, CHAT, json={"query": QUESTION})
        ollama.wait_for(lambda: answer_requests(ollama), timeout=10)
        # The model is still thinking: the question is stored, the answer is not.
        during = list(Message.objects.values_list("role", "content"))
        response = pending.result()

    assert during == [("user", QUESTION)]
    assert response.status_code == 200
    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    user_message, answer = conversation.messages.order_by("created_at")
    assert (user_message.role, user_message.content) == ("user", QUESTION)
    assert (answer.role, answer.content) == ("assistant", "Slowly.")
    assert (answer.intent, answer.model) == ("general", settings.MODEL_SIMPLE)
    assert answer.completion_tokens > 0
    assert answer.interrupted is False


def test_it_titles_a_new_conversation_with_the_first_30_characters(http, chat_user):
    response = http.post(CHAT, json={"query": QUESTION})

    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    assert conversation.user_id == chat_user.pk
    assert conversation.title == QUESTION[:30]


def test_it_sends_the_stored_history_to_the_model_on_the_second_turn(http, ollama):
    ollama.add_rule(Reply(content="Paris is the capital."), when="capital of france")
    first = http.post(CHAT, json={"query": "What is the capital of France?"}).json()

    follow_up = {
        "query": "And how many people live there?",
        "conversation_id": first["conversation_id"],
    }
    second = http.post(CHAT, json=follow_up)

    assert second.status_code == 200
    assert second.json()["conversation_id"] == first["conversation_id"]
    sent = [(m["role"], m["content"]) for m in answer_requests(ollama)[-1].body["messages"]]
    assert ("user", "What is the capital of France?") in sent
    assert ("assistant", "Paris is the capital.") in sent
    assert sent[-1] == ("user", "And how many people live there?")
    assert Message.objects.filter(conversation_id=first["conversation_id"]).count() == 4


def test_it_uses_the_request_messages_as_history_without_a_conversation(http, ollama):
    prior = [
        {"role": "user", "content": "My name is Bob."},
        {"role": "assistant", "content": "Nice to meet you, Bob."},
    ]

    response = http.post(CHAT, json={"query": "What is my name?", "messages": prior})

    assert response.status_code == 200
    sent = [(m["role"], m["content"]) for m in answer_requests(ollama)[-1].body["messages"]]
    assert ("user", "My name is Bob.") in sent
    assert ("assistant", "Nice to meet you, Bob.") in sent
    assert sent[-1] == ("user", "What is my name?")
    # The prior turns are context only: the new conversation holds this exchange alone.
    assert Message.objects.filter(conversation_id=response.json()["conversation_id"]).count() == 2


def test_it_answers_api_key_callers_and_records_the_key(gateway, chat_user):
    created = api_key_create(user=chat_user, name="ci")

    response = httpx.post(
        f"{gateway.url}{CHAT}",
        headers={"X-API-Key": created.raw_key},
        json={"query": QUESTION},
        timeout=30,
    )

    assert response.status_code == 200, response.text
    record = UsageRecord.objects.get()
    assert record.api_key_id == created.api_key.pk
    assert str(record.conversation_id) == response.json()["conversation_id"]
