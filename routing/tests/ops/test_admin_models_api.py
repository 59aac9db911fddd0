"""GET /api/admin/models against the Ollama test server."""

from __future__ import annotations

import pytest

from ollama_testserver import OllamaTestServer

URL = "/api/admin/models"


@pytest.fixture
def only_llama(settings):
    """A server that has MODEL_SIMPLE but not MODEL_COMPLEX."""
    with OllamaTestServer(models=["llama3.2:3b"]) as server:
        settings.OLLAMA_URL = server.url
        yield server


def test_it_lists_served_models_with_their_roles(admin_client, ollama_server):
    response = admin_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    by_name = {model["name"]: model for model in body["models"]}
    assert set(by_name) == {"llama3.2:3b", "qwen2.5:7b"}
    assert by_name["llama3.2:3b"]["roles"] == ["simple"]
    assert by_name["qwen2.5:7b"]["roles"] == ["complex"]
    assert by_name["qwen2.5:7b"]["family"] == "qwen2"
    assert by_name["qwen2.5:7b"]["parameter_size"] == "7.6B"
    assert by_name["qwen2.5:7b"]["quantization_level"] == "Q4_K_M"
    assert by_name["qwen2.5:7b"]["size"] == 4_683_087_332
    assert by_name["qwen2.5:7b"]["modified_at"]
    assert body["configured"] == {"simple": "llama3.2:3b", "complex": "qwen2.5:7b"}
    assert body["missing"] == []


def test_it_reports_a_configured_model_the_server_lacks(admin_client, only_llama):
    body = admin_client.get(URL).json()

    assert [model["name"] for model in body["models"]] == ["llama3.2:3b"]
    assert body["missing"] == ["qwen2.5:7b"]


def test_it_matches_an_untagged_name_to_latest(admin_client, settings):
    settings.MODEL_SIMPLE = "llama3.2"
    settings.MODEL_COMPLEX = "Qwen2.5:7B"
    with OllamaTestServer(models=["llama3.2:latest", "qwen2.5:7b"]) as server:
        settings.OLLAMA_URL = server.url
        body = admin_client.get(URL).json()

    roles = {model["name"]: model["roles"] for model in body["models"]}
    assert roles == {"llama3.2:latest": ["simple"], "qwen2.5:7b": ["complex"]}
    assert body["missing"] == []


def test_it_gives_both_roles_to_one_model_serving_both(admin_client, ollama_server, settings):
    settings.MODEL_COMPLEX = settings.MODEL_SIMPLE

    body = admin_client.get(URL).json()

    roles = {model["name"]: model["roles"] for model in body["models"]}
    assert roles["llama3.2:3b"] == ["simple", "complex"]
    assert roles["qwen2.5:7b"] == []


def test_it_refuses_a_user(user_client, ollama_server):
    response = user_client.get(URL)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_it_requires_authentication(api_client, ollama_server):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_it_is_503_when_ollama_is_unreachable(admin_client, ollama_down_url, settings):
    settings.OLLAMA_URL = ollama_down_url

    response = admin_client.get(URL)

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "llm_unavailable"
    assert "unreachable" in error["details"]["reason"]


def test_it_is_503_when_ollama_answers_with_an_error(admin_client, ollama_server, settings):
    settings.OLLAMA_URL = f"{ollama_server.url}/not-ollama"  # gin's 404 for every path

    response = admin_client.get(URL)

    assert response.status_code == 503
    assert "HTTP 404" in response.json()["error"]["details"]["reason"]
