"""POST /api/embed and the older /api/embeddings, with deterministic vectors.

A vector is derived from the SHA-256 of the model name and the text, then scaled to unit
length as Ollama's embed endpoint does, so a test can compute the expected vector itself
(`embedding_for`) and equal texts always embed equally.
"""

from __future__ import annotations

import hashlib
import math
import struct

from aiohttp import web

from .handlers import STATE, find_model, read_body
from .wire import error_response, json_response

DIMENSIONS = 64
_NS_PER_TOKEN = 1_000_000


def embedding_for(model: str, text: str, dimensions: int = DIMENSIONS) -> list[float]:
    """The unit vector the test server answers for `text` embedded by `model`."""
    raw = b""
    counter = 0
    while len(raw) < dimensions * 4:
        raw += hashlib.sha256(f"{model}\x00{counter}\x00{text}".encode()).digest()
        counter += 1
    values = [(v / 2**31) - 1.0 for v in struct.unpack(f"<{dimensions}I", raw[: dimensions * 4])]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _tokens(text: str) -> int:
    return max(1, len(text.split()))


async def embed(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body, error = await read_body(request, "api.EmbedRequest")
    spec, error = (None, error) if error else find_model(state, body)
    if error:
        if error.status == 404:  # the embed handler words it like the scheduler does
            return error_response(404, f'model "{body["model"]}" not found, try pulling it first')
        return error
    given = body.get("input")
    inputs = [given] if isinstance(given, str) else given
    if given is None:
        inputs = []
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        return error_response(400, "invalid input type")
    dimensions = body.get("dimensions") or DIMENSIONS
    if not isinstance(dimensions, int) or dimensions < 1 or dimensions > DIMENSIONS:
        return error_response(400, "invalid dimensions")
    state.mark_loaded(spec)
    tokens = sum(_tokens(text) for text in inputs)
    return json_response(
        {
            "model": body["model"],
            "embeddings": [embedding_for(spec.name, text, dimensions) for text in inputs],
            "total_duration": tokens * _NS_PER_TOKEN + 1000,
            "load_duration": 1000,
            "prompt_eval_count": tokens,
        }
    )


async def embeddings(request: web.Request) -> web.Response:
    """The legacy endpoint: one `prompt`, one `embedding`."""
    state = request.app[STATE]
    body, error = await read_body(request, "api.EmbeddingRequest")
    spec, error = (None, error) if error else find_model(state, body)
    if error:
        return error
    prompt = body.get("prompt") or ""
    if not isinstance(prompt, str):
        return error_response(400, "invalid prompt type")
    state.mark_loaded(spec)
    return json_response({"embedding": embedding_for(spec.name, prompt) if prompt else []})
