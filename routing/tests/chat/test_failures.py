"""When Ollama fails: 503 `llm_unavailable`, the question kept, the failure accounted."""

from __future__ import annotations

import httpx
import pytest

from conversations.models import Message
from metrics.models import UsageRecord
from ollama_testserver import Reply
from routing.tests.chat.helpers import CHAT, STREAM, bearer, collect_stream, is_answer_request

QUESTION = "Summarise the plot of Hamlet."


def _assert_llm_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "llm_unavailable"


def _assert_question_kept_and_failure_recorded() -> None:
    assert list(Message.objects.values_list("role", "content")) == [("user", QUESTION)]
    record = UsageRecord.objects.get()
    assert (record.outcome, record.total_tokens, record.cached) == ("error", 0, False)


def test_ollama_down_is_a_503_and_the_gateway_keeps_serving(
    live_gateway_factory, chat_user, ollama_down_url, settings
):
    settings.OLLAMA_URL = ollama_down_url
    gateway = live_gateway_factory()
    headers = bearer(chat_user)

    response = httpx.post(f"{gateway.url}{CHAT}", headers=headers, json={"query": QUESTION})

    _assert_llm_unavailable(response)
    _assert_question_kept_and_failure_recorded()
    again = httpx.post(f"{gateway.url}{CHAT}", headers=headers, json={"query": "And Macbeth?"})
    _assert_llm_unavailable(again)
    assert httpx.get(f"{gateway.url}/health").status_code == 200


def test_an_ollama_error_is_a_503_and_the_next_request_works(http, ollama):
    ollama.add_rule(Reply(fault="http_500"), when=is_answer_request, times=1)

    failed = http.post(CHAT, json={"query": QUESTION})

    _assert_llm_unavailable(failed)
    _assert_question_kept_and_failure_recorded()
    assert http.post(CHAT, json={"query": "Summarise Macbeth."}).status_code == 200


@pytest.mark.slow
def test_a_model_slower_than_ollama_timeout_is_a_503(live_gateway_factory, ollama, chat_user):
    ollama.add_rule(Reply(fault="hang"), when=is_answer_request, times=1)
    gateway = live_gateway_factory(OLLAMA_TIMEOUT="1")
    headers = bearer(chat_user)

    response = httpx.post(f"{gateway.url}{CHAT}", headers=headers, json={"query": QUESTION})

    _assert_llm_unavailable(response)
    _assert_question_kept_and_failure_recorded()
    ollama.wait_for(lambda: ollama.disconnects >= 1)  # the hung request was abandoned
    after = httpx.post(f"{gateway.url}{CHAT}", headers=headers, json={"query": "Summarise Lear."})
    assert after.status_code == 200


def test_a_stream_that_fails_midway_ends_with_an_error_event(gateway, ollama, chat_user):
    ollama.add_rule(Reply(fault="error_midstream"), when=is_answer_request, times=1)

    with httpx.Client(base_url=gateway.url, headers=bearer(chat_user), timeout=30) as client:
        items = [i for i in collect_stream(client, STREAM, json={"query": QUESTION}) if i.event]

    assert items[0].event == "meta"
    assert items[-1].event == "error"
    assert items[-1].data == {"code": "llm_unavailable", "message": items[-1].data["message"]}
    assert "done" not in [i.event for i in items]
    _assert_question_kept_and_failure_recorded()


def test_a_client_that_gives_up_cancels_the_model_request(http, ollama):
    ollama.add_rule(Reply(fault="hang"), when=is_answer_request)

    with pytest.raises(httpx.ReadTimeout):
        http.post(CHAT, json={"query": QUESTION}, timeout=2)

    ollama.wait_for(lambda: ollama.disconnects >= 1, timeout=10)
    ollama.wait_for(lambda: UsageRecord.objects.filter(outcome="error").exists(), timeout=10)
    _assert_question_kept_and_failure_recorded()
