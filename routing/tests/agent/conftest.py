"""Fixtures for the agent tests: a scripted model in place of Ollama, fake web search."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from routing.ollama import chat_models as llm
from routing.tests.agent.fake_llm import Script, ScriptedChatModel
from routing.tests.fakes import fake_search  # noqa: F401  (shared fixture)

SIMPLE = "small-model:1b"
COMPLEX = "large-model:7b"


@pytest.fixture
def script(settings) -> Iterator[Script]:
    """Every LLM call goes to a ScriptedChatModel driven by the returned Script.

    The models get distinct names so a test can tell which one answered.
    """
    settings.MODEL_SIMPLE = SIMPLE
    settings.MODEL_COMPLEX = COMPLEX
    script = Script()
    llm.set_model_factory(lambda model: ScriptedChatModel(model=model, script=script))
    yield script
    llm.set_model_factory(None)


@pytest.fixture
def ollama(ollama_server, fake_search, settings):  # noqa: F811
    """The Ollama test server behind the real ChatOllama client, with fake web search."""
    settings.MODEL_SIMPLE = "llama3.2:3b"
    settings.MODEL_COMPLEX = "qwen2.5:7b"
    llm.set_model_factory(None)
    return ollama_server
