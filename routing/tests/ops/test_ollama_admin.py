"""routing.ollama.admin: names, listing, show and pull against the Ollama test server."""

from __future__ import annotations

import pytest

from routing.ollama.admin import (
    OllamaResponseError,
    OllamaUnreachable,
    list_models,
    normalize_model_name,
    pull_model,
    same_model,
    show_model,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("llama3.2:3b", "llama3.2:3b"),
        ("llama3.2", "llama3.2:latest"),
        ("Qwen2.5:7B", "qwen2.5:7b"),
        ("library/llama3.2", "llama3.2:latest"),
        ("registry.ollama.ai/library/llama3.2:3b", "llama3.2:3b"),
        ("example.com:5000/me/model", "example.com:5000/me/model:latest"),
    ],
)
def test_it_normalizes_names_like_ollama(name, expected):
    assert normalize_model_name(name) == expected


def test_it_tells_apart_different_tags():
    assert same_model("llama3.2", "llama3.2:latest")
    assert not same_model("llama3.2", "llama3.2:3b")


def test_it_lists_models(ollama_server):
    models = list_models()

    assert [model.name for model in models] == ["llama3.2:3b", "qwen2.5:7b"]
    assert models[0].family == "llama"


def test_it_shows_a_model(ollama_server):
    assert show_model("llama3.2:3b")["model_info"]["general.architecture"] == "llama"


def test_it_raises_on_showing_a_missing_model(ollama_server):
    with pytest.raises(OllamaResponseError, match="not found"):
        show_model("nope:1b")


def test_it_streams_pull_progress_until_success(ollama_server):
    lines = list(pull_model("llama3.2:3b"))

    assert lines[0].status == "pulling manifest"
    layers = [line for line in lines if line.digest]
    assert layers
    assert layers[-1].completed == layers[-1].total
    assert lines[-1].status == "success"


def test_it_raises_on_an_error_line(ollama_server):
    with pytest.raises(OllamaResponseError, match="file does not exist"):
        list(pull_model("nope:1b"))


def test_it_raises_when_ollama_is_unreachable(ollama_down_url, settings):
    settings.OLLAMA_URL = ollama_down_url

    with pytest.raises(OllamaUnreachable):
        list_models()
    with pytest.raises(OllamaUnreachable):
        list(pull_model("llama3.2:3b"))
