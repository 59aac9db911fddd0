"""The drop-in APIs in front of several Ollama backends (OLLAMA_URLS): each model call goes
to a backend that serves the model, and listings are the union of every backend's."""

from __future__ import annotations

import ollama as ollama_lib
import openai
import pytest

from ollama_testserver import OllamaTestServer

pytestmark = pytest.mark.slow
OTHER_MODEL = "mistral:7b"


@pytest.fixture(scope="module")
def second_backend():
    with OllamaTestServer(models=[OTHER_MODEL]) as server:
        yield server


@pytest.fixture(scope="module")
def fleet_gateway(start_gateway, ollama_server_session, second_backend):
    urls = f"{ollama_server_session.url},{second_backend.url}"
    return start_gateway(OLLAMA_URLS=urls, OLLAMA_URL=ollama_server_session.url)


def test_each_model_goes_to_a_backend_that_serves_it(fleet_gateway, ollama, second_backend, bob):
    second_backend.reset()
    api = openai.OpenAI(base_url=f"{fleet_gateway.url}/v1", api_key=bob.key, max_retries=0)

    mine = api.chat.completions.create(
        model=OTHER_MODEL, messages=[{"role": "user", "content": "hi"}]
    )
    theirs = api.chat.completions.create(
        model="llama3.2:3b", messages=[{"role": "user", "content": "hi"}]
    )

    assert mine.model == OTHER_MODEL
    assert [r.body["model"] for r in second_backend.chat_requests] == [OTHER_MODEL]
    assert theirs.model == "llama3.2:3b"
    assert [r.body["model"] for r in ollama.chat_requests] == ["llama3.2:3b"]


def test_listings_are_the_union_and_an_unserved_model_is_a_404(fleet_gateway, ollama, bob):
    api = openai.OpenAI(base_url=f"{fleet_gateway.url}/v1", api_key=bob.key, max_retries=0)
    client = ollama_lib.Client(
        host=f"{fleet_gateway.url}/ollama", headers={"Authorization": f"Bearer {bob.key}"}
    )

    ids = {m.id for m in api.models.list()}
    tags = [m.model for m in client.list().models]

    assert {"auto", "llama3.2:3b", "qwen2.5:7b", OTHER_MODEL} <= ids
    assert tags[0] == "auto" and OTHER_MODEL in tags
    with pytest.raises(openai.NotFoundError):
        api.chat.completions.create(model="nowhere:1b", messages=[{"role": "user", "content": "x"}])
