"""Endpoint handlers, validating requests the way Ollama's ChatHandler & co. do."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from aiohttp import web

from .catalog import ModelSpec
from .generation import play
from .shapes import ChatShape, Delta, GenerateShape
from .state import ServerState
from .wire import error_response, json_response, local_timestamp, plain_text

STATE = web.AppKey("state", ServerState)
logger = logging.getLogger(__name__)
_UNLOAD = (0, "0", "0s", "0m")


async def read_body(request: web.Request, go_type: str) -> tuple[dict | None, web.Response | None]:
    """The JSON body, or the 400 that gin's ShouldBindJSON would produce."""
    raw = await request.read()
    if not raw.strip():
        return None, error_response(400, "missing request body")
    try:
        body = json.loads(raw)
    except ValueError:
        first = raw.strip()[:1].decode("utf-8", "replace")
        return None, error_response(
            400, f"invalid character '{first}' looking for beginning of value"
        )
    if not isinstance(body, dict):
        kind = {list: "array", str: "string", bool: "bool"}.get(type(body), "number")
        return None, error_response(
            400, f"json: cannot unmarshal {kind} into Go value of type {go_type}"
        )
    return body, None


def find_model(state: ServerState, body: dict) -> tuple[ModelSpec | None, web.Response | None]:
    name = body.get("model") or ""
    if not isinstance(name, str) or not name:
        return None, error_response(400, "model is required")
    spec = state.catalog.find(name)
    if spec is None:
        return None, error_response(404, f"model '{name}' not found")
    return spec, None


def capability_error(spec: ModelSpec, body: dict) -> web.Response | None:
    think = body.get("think")
    if (think is True or (isinstance(think, str) and think not in ("", "false"))) and (
        "thinking" not in spec.capabilities
    ):
        return error_response(400, f'"{body["model"]}" does not support thinking')
    if body.get("tools") and "tools" not in spec.capabilities:
        return error_response(400, f"registry.ollama.ai/library/{spec.name} does not support tools")
    return None


async def _answer(
    state: ServerState, request: web.Request, body: dict, shape: type[ChatShape | GenerateShape]
) -> web.StreamResponse:
    try:
        reply = state.script.pick(body)
        reply = replace(reply, chunks=reply.pieces(body))  # run a content callable here too
    except Exception as exc:  # a test's rule callable failed: say so instead of a bare 500
        logger.exception("ollama test server: a scripted rule raised")
        return error_response(500, f"ollama test server: scripted rule raised {exc!r}")
    return await play(state, request, body, reply, shape)


async def chat(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    body, error = await read_body(request, "api.ChatRequest")
    spec, error = (None, error) if error else find_model(state, body)
    error = error or capability_error(spec, body)
    if error:
        return error
    if not body.get("messages"):
        reason = "unload" if body.get("keep_alive") in _UNLOAD else "load"
        return json_response(ChatShape.final(body["model"], reason, None, Delta()))
    state.mark_loaded(spec)
    return await _answer(state, request, body, ChatShape)


async def generate(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    body, error = await read_body(request, "api.GenerateRequest")
    spec, error = (None, error) if error else find_model(state, body)
    error = error or capability_error(spec, body)
    if error:
        return error
    if not body.get("prompt"):
        reason = "unload" if body.get("keep_alive") in _UNLOAD else "load"
        return json_response(GenerateShape.final(body["model"], reason, None, Delta()))
    state.mark_loaded(spec)
    return await _answer(state, request, body, GenerateShape)


async def tags(request: web.Request) -> web.Response:
    models = request.app[STATE].catalog.models.values()
    return json_response({"models": [spec.tags_entry() for spec in models]})


async def show(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body, error = await read_body(request, "api.ShowRequest")
    if error:
        return error
    name = body.get("model") or body.get("name") or ""
    if not name:
        return error_response(400, "model is required")
    spec = state.catalog.find(name)
    if spec is None:
        return error_response(404, f"model '{ModelSpec.named(name).name}' not found")
    return json_response(spec.show_entry())


async def ps(request: web.Request) -> web.Response:
    loaded = request.app[STATE].loaded()
    return json_response({"models": [spec.ps_entry(local_timestamp(exp)) for spec, exp in loaded]})


async def version(request: web.Request) -> web.Response:
    return json_response({"version": request.app[STATE].version})


async def root(request: web.Request) -> web.Response:
    return plain_text(200, "Ollama is running", "text/plain; charset=utf-8")
