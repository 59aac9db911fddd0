"""The test server's /api/embed and /api/embeddings, through the real `ollama` client."""

from __future__ import annotations

import math

import httpx
import ollama
import pytest

from ollama_testserver import embedding_for


def test_ollama_client_embeds_a_list_in_order_with_unit_vectors(ollama_server):
    client = ollama.Client(host=ollama_server.url)

    result = client.embed(model="llama3.2:3b", input=["first text", "second text"])

    assert result.embeddings == [
        embedding_for("llama3.2:3b", "first text"),
        embedding_for("llama3.2:3b", "second text"),
    ]
    assert result.embeddings[0] != result.embeddings[1]
    assert math.isclose(sum(v * v for v in result.embeddings[0]), 1.0, rel_tol=1e-9)
    assert result.prompt_eval_count == 4


def test_a_single_string_is_one_vector_and_dimensions_shorten_it(ollama_server):
    response = httpx.post(
        f"{ollama_server.url}/api/embed",
        json={"model": "llama3.2:3b", "input": "hello", "dimensions": 8},
    )

    assert response.status_code == 200
    assert response.json()["embeddings"] == [embedding_for("llama3.2:3b", "hello", 8)]


def test_the_legacy_endpoint_answers_one_embedding(ollama_server):
    client = ollama.Client(host=ollama_server.url)

    result = client.embeddings(model="qwen2.5:7b", prompt="hello")

    assert list(result.embedding) == embedding_for("qwen2.5:7b", "hello")


def test_an_unknown_model_is_ollamas_404(ollama_server):
    client = ollama.Client(host=ollama_server.url)

    with pytest.raises(ollama.ResponseError) as caught:
        client.embed(model="missing", input="x")

    assert caught.value.status_code == 404
    assert caught.value.error == 'model "missing" not found, try pulling it first'
