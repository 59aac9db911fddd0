"""The one place that builds Ollama chat clients, and the one wrapper every LLM call uses.

Clients are cached per (running event loop, backend URL, timeout, keep_alive, model,
variant): httpx async clients hold pooled connections bound to the loop that opened them,
so one client per loop is reused across requests instead of being rebuilt per call.
Tool-bound and structured-output variants are cached bindings of the same client.

Only calls whose tokens reach a client stream: langchain-ollama always asks Ollama for a
stream and merges a message object per chunk, which was about a third of the gateway's
CPU per chat. `OllamaChat` asks for `stream: false` whenever LangChain is not streaming,
and the helper calls (classifier, refiner, decomposer...) are built with
`disable_streaming`, so even a streamed run parses their reply once.

Each call gets its backend from the fleet (routing/ollama/fleet.py): `chat_model()` & co.
return the client of the first backend, and `call()` runs the same variant on the backend
the fleet picks, failing over before the first token (routing/ollama/failover.py).
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import httpx
from django.conf import settings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableBinding, RunnableConfig
from langchain_core.runnables.config import ensure_config, merge_configs
from langchain_ollama import ChatOllama
from langgraph.config import get_config, get_stream_writer
from pydantic import BaseModel

from routing.ollama.errors import (
    EMPTY_STREAM_MESSAGE,
    OLLAMA_ERRORS,
    OllamaUnreachable,
    from_client_error,
)
from routing.ollama.failover import run_on_fleet
from routing.ollama.fleet import configured_urls
from routing.ollama.metering import (
    FirstTokenTracker,
    add_durations,
    durations_of,
    timings_of,
)
from routing.ollama.reachability import report_unreachable
from routing.ollama.transport import AiohttpTransport

# Tag on the LLM calls whose tokens are the final answer; stream_agent forwards only these.
FINAL_ANSWER_TAG = "final_answer"
# Custom stream events carrying final-answer text: the chunks of a final-answer call, or
# text no LLM produced (a note, a fallback).
FINAL_TEXT_KEY = "final_text"
# Set in a run's `configurable` by whoever streams the final answer to a client
# (`streaming_config`): final-answer calls then stream their tokens as FINAL_TEXT_KEY events.
STREAM_FINAL_KEY = "stream_final_answer"
# Low but not zero: answers stay focused, and an output-guard retry can still differ.
TEMPERATURE = 0.2

ModelFactory = Callable[[str], BaseChatModel]


def _keep_alive(value: str) -> str | int:
    # Ollama parses a JSON string as a Go duration ("5m"); a bare number must be sent as one.
    return int(value) if re.fullmatch(r"-?\d+", value.strip()) else value


# httpx allows 100 connections per client by default: with one client per model, the 101st
# concurrent chat would queue for a connection while the model sits idle. Concurrency is
# bounded by the quota and by Ollama's own queue, not here. (The async clients the gateway
# uses go through routing/ollama/transport.py, which sets no cap either.)
OLLAMA_CONNECTION_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=100)


class OllamaChat(ChatOllama):
    """ChatOllama that sends `stream: false` when nobody consumes the tokens as they come.

    LangChain calls `_agenerate` only when no streaming callback is listening (or streaming
    is disabled), so this is exactly the case where one JSON reply beats a parsed stream.
    """

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        kwargs.setdefault("stream", False)
        return await super()._agenerate(messages, stop, run_manager, **kwargs)

    async def areply(
        self,
        messages: list[BaseMessage],
        *,
        on_text: Callable[[str], None] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """One call as `ainvoke` answers it, without LangChain's run machinery.

        `ainvoke` wraps the client's own call in a callback manager, run ids and a task per
        callback event even when nobody listens: about half of the CPU of a call, and two
        calls make a chat. This is langchain-ollama's own request and reply parsing, with
        the reply's metadata merged as `ainvoke` merges it. `on_text` streams the reply and
        is given each chunk's text as it arrives; without it, one JSON reply is parsed.
        """
        if on_text is None:
            result = await self._agenerate(messages, **kwargs)
            generation = result.generations[0]
        else:
            generation = None
            async for chunk in self._astream(messages, **kwargs):
                if chunk.text:
                    on_text(chunk.text)
                generation = chunk if generation is None else generation + chunk
            if generation is None:
                raise ValueError(EMPTY_STREAM_MESSAGE)
        message = generation.message
        return AIMessage(
            content=message.content,
            usage_metadata=message.usage_metadata,
            tool_calls=getattr(message, "tool_calls", []),
            additional_kwargs=message.additional_kwargs,
            response_metadata={**(generation.generation_info or {}), **message.response_metadata},
        )


def build_ollama(model: str, base_url: str | None = None) -> BaseChatModel:
    """A chat client for `model` on `base_url` (default OLLAMA_URL); no HTTP call is made here."""
    return OllamaChat(
        model=model,
        base_url=base_url or settings.OLLAMA_URL,
        temperature=TEMPERATURE,
        keep_alive=_keep_alive(settings.OLLAMA_KEEP_ALIVE),
        client_kwargs={"timeout": settings.OLLAMA_TIMEOUT},
        sync_client_kwargs={"limits": OLLAMA_CONNECTION_LIMITS},
        async_client_kwargs={"transport": AiohttpTransport()},
    )


_factory: ModelFactory = build_ollama
_cache: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, Runnable]] = (
    weakref.WeakKeyDictionary()
)


def set_model_factory(factory: ModelFactory | None) -> None:
    """Swap the client factory (tests inject scripted models); None restores Ollama."""
    global _factory
    _factory = factory or build_ollama
    _cache.clear()


def _cached(
    model: str,
    variant: Hashable,
    build: Callable[[BaseChatModel], Runnable],
    *,
    streams: bool,
    url: str | None = None,
) -> Runnable:
    per_loop = _cache.setdefault(asyncio.get_running_loop(), {})
    url = url or configured_urls()[0]
    config = (url, settings.OLLAMA_TIMEOUT, settings.OLLAMA_KEEP_ALIVE, model)
    key = (*config, variant)
    runnable = per_loop.get(key)
    if runnable is None:
        base_key = (*config, "base", streams)
        base = per_loop.get(base_key)
        if base is None:
            base = per_loop[base_key] = _base(per_loop, config, model, streams=streams)
        runnable = per_loop[key] = build(base)
        # How to build the same variant on another backend (read by `call`).
        per_loop[("recipe", id(runnable))] = (model, variant, build, streams)
    return runnable


def _on_backend(runnable: Runnable, url: str) -> Runnable | None:
    """`runnable`'s variant on the backend at `url`; None for a runnable not built here."""
    recipe = _cache.get(asyncio.get_running_loop(), {}).get(("recipe", id(runnable)))
    if recipe is None or _factory is not build_ollama:
        return None  # a scripted model under test: no backend to choose
    model, variant, build, streams = recipe
    return _cached(model, variant, build, streams=streams, url=url)


def _base(per_loop: dict, config: tuple, model: str, *, streams: bool) -> BaseChatModel:
    """The client for `model`; the non-streaming one is a copy sharing its HTTP client."""
    streaming = per_loop.get((*config, "base", True))
    if streaming is None:
        client = build_ollama(model, config[0]) if _factory is build_ollama else _factory(model)
        streaming = per_loop[(*config, "base", True)] = client
    if streams:
        return streaming
    return streaming.model_copy(update={"disable_streaming": True})


def chat_model(model: str, *, final: bool = False) -> Runnable:
    """A plain chat client; `final=True` tags it so its tokens are streamed to the user."""
    if final:
        return _cached(
            model,
            "final",
            lambda base: base.with_config(tags=[FINAL_ANSWER_TAG]),
            streams=True,
        )
    return _cached(model, "plain", lambda base: base, streams=False)


def structured_model(model: str, schema: type[BaseModel]) -> Runnable:
    """A client constrained by Ollama's structured output (`format` = the JSON schema).

    The raw AIMessage is returned (not a parsed object) so its token counts are kept and a
    tolerant parser can recover from near-misses.
    """
    return _cached(
        model,
        ("format", schema),
        lambda base: base.bind(format=schema.model_json_schema()),
        streams=False,
    )


def tool_model(model: str, tools: Sequence[Any]) -> Runnable:
    """A client with `tools` bound, tagged as a final-answer call (any round may be last)."""
    names = tuple(getattr(tool, "name", repr(tool)) for tool in tools)
    return _cached(
        model,
        ("tools", names),
        lambda base: base.bind_tools(list(tools)).with_config(tags=[FINAL_ANSWER_TAG]),
        streams=True,
    )


async def call(runnable: Runnable, messages: list[BaseMessage], *, model: str) -> AIMessage:
    """Run one LLM call within OLLAMA_TIMEOUT; Ollama failures become `OllamaError`."""
    timeout = settings.OLLAMA_TIMEOUT

    async def attempt(url: str, tracker: FirstTokenTracker) -> AIMessage:
        on_backend = _on_backend(runnable, url) or runnable
        async with asyncio.timeout(timeout):
            if direct := _direct(on_backend):
                client, kwargs, final = direct
                on_text = _final_text_stream(tracker) if final else None
                return await client.areply(messages, on_text=on_text, **kwargs)
            # The tracker joins the run's own callbacks (a config passed to the binding
            # would replace them, and with them the streaming of the final answer).
            config = merge_configs(ensure_config(), {"callbacks": [tracker]})
            return await on_backend.ainvoke(messages, config)

    try:
        if _on_backend(runnable, configured_urls()[0]) is None:
            message = await attempt("", FirstTokenTracker())
        else:
            message = await run_on_fleet(model, attempt)
    except TimeoutError as exc:
        report_unreachable(exc)
        raise OllamaUnreachable(f"{model} gave no answer within {timeout:g}s", model=model) from exc
    except OLLAMA_ERRORS as exc:
        report_unreachable(exc)
        raise from_client_error(exc, model=model) from exc
    except ValueError as exc:
        if EMPTY_STREAM_MESSAGE not in str(exc):
            raise
        raise OllamaUnreachable(f"{model} sent an empty stream", model=model) from exc
    # Ollama ends every complete reply with `done`; without it the server closed the
    # stream early and the text is a fragment, not an answer.
    if message.response_metadata.get("done") is not True:
        raise OllamaUnreachable(f"{model} ended its stream early", model=model)
    return message


def _direct(runnable: Runnable) -> tuple[OllamaChat, dict[str, Any], bool] | None:
    """(client, call arguments, final answer?) of a runnable `OllamaChat.areply` can run:
    a plain, structured or final-answer client. Tool-bound clients keep `ainvoke` (the
    creative agent's tool loop streams through LangGraph's message handler), and so do the
    scripted models tests inject."""
    if isinstance(runnable, OllamaChat):
        return runnable, {}, False
    if (
        isinstance(runnable, RunnableBinding)
        and isinstance(runnable.bound, OllamaChat)
        and "tools" not in runnable.kwargs
    ):
        final = FINAL_ANSWER_TAG in (runnable.config.get("tags") or ())
        return runnable.bound, dict(runnable.kwargs), final
    return None


def _final_text_stream(tracker: FirstTokenTracker) -> Callable[[str], None] | None:
    """Where a final-answer call sends its tokens: the run's stream when the run streams
    its final answer to a client, else nowhere (one JSON reply is parsed instead)."""
    try:
        streaming = get_config().get("configurable", {}).get(STREAM_FINAL_KEY)
    except RuntimeError:
        return None  # called outside a graph run (a node under unit test)
    if not streaming:
        return None
    writer = get_stream_writer()

    def on_text(text: str) -> None:
        tracker.token_arrived()
        writer({FINAL_TEXT_KEY: text})

    return on_text


def streaming_config(config: RunnableConfig) -> RunnableConfig:
    """`config` for a run whose final answer streams to a client as it is written."""
    return {**config, "configurable": {**config.get("configurable", {}), STREAM_FINAL_KEY: True}}


def usage(*messages: AIMessage) -> dict[str, Any]:
    """State update with Ollama's token counts, compute seconds and timings of `messages`
    (added up by the reducers; compute = load + prompt-eval + eval durations, durations =
    Ollama's own nanosecond timings by key; routing/ollama/metering)."""
    prompt = completion = 0
    compute = 0.0
    durations: dict[str, int] = {}
    for message in messages:
        counts = message.usage_metadata or {}
        prompt += counts.get("input_tokens", 0)
        completion += counts.get("output_tokens", 0)
        compute += timings_of(message, ttft_seconds=None).compute_seconds
        durations = add_durations(durations, durations_of(message))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "compute_seconds": compute,
        "durations": durations,
    }


def text_of(message: AIMessage) -> str:
    """The message's text content (Ollama sends a string; be safe with content blocks)."""
    content = message.content
    return content if isinstance(content, str) else message.text


def emit_final_text(text: str) -> None:
    """Stream `text` as part of the final answer (a no-op when nobody is streaming)."""
    try:
        writer = get_stream_writer()
    except RuntimeError:
        return  # called outside a graph run (a node under unit test): nobody listens
    writer({FINAL_TEXT_KEY: text})
