"""The Ollama test server, proven against the real clients (ollama, langchain-ollama, httpx)."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Literal

import httpx
import ollama
import pytest
from langchain_core.tools import tool
from langchain_ollama import ChatOllama
from pydantic import BaseModel, Field

from ollama_testserver import OllamaTestServer, Reply, default_answer, schema_instance

MODEL = "llama3.2:3b"
BASE_DIR = Path(__file__).resolve().parents[2]
FINAL_KEYS = [
    "model",
    "created_at",
    "message",
    "done",
    "done_reason",
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
]
COUNT_KEYS = {"prompt_eval_count", "eval_count", "total_duration", "eval_duration"}


def chat_body(content: str = "hi", **fields) -> dict:
    return {"model": MODEL, "messages": [{"role": "user", "content": content}], **fields}


def post_chat(server: OllamaTestServer, content: str = "hi", **fields) -> httpx.Response:
    body = chat_body(content, stream=False, **fields)
    return httpx.post(f"{server.url}/api/chat", json=body, timeout=10)


def answer(server: OllamaTestServer, content: str = "hi", **fields) -> str:
    return post_chat(server, content, **fields).json()["message"]["content"]


def stream_raw(server: OllamaTestServer, body: dict) -> tuple[httpx.Response, bytes]:
    with httpx.stream("POST", f"{server.url}/api/chat", json=body, timeout=10) as response:
        return response, response.read()


def stream_lines(server: OllamaTestServer, body: dict) -> list[dict]:
    _, raw = stream_raw(server, body)
    return [json.loads(line) for line in raw.decode().splitlines()]


def llm(server: OllamaTestServer) -> ChatOllama:
    # A fresh ChatOllama per test: its async client must not outlive the test's event loop.
    return ChatOllama(model=MODEL, base_url=server.url)


# --- the ollama package ------------------------------------------------------------------


def test_ollama_client_streams_chat_with_counts_on_the_final_chunk(ollama_server):
    parts = list(
        ollama.Client(host=ollama_server.url).chat(MODEL, chat_body()["messages"], stream=True)
    )

    assert len(parts) > 3
    assert "".join(p.message.content for p in parts) == default_answer(chat_body())
    assert all(p.eval_count is None and not p.done for p in parts[:-1])
    assert parts[-1].done and parts[-1].done_reason == "stop"
    assert parts[-1].prompt_eval_count == 12
    assert parts[-1].eval_count == len(parts) - 1


def test_ollama_client_non_streaming_chat_returns_the_whole_answer(ollama_server):
    ollama_server.set_default(Reply(content="Paris is the capital.", prompt_eval_count=7))

    reply = ollama.Client(host=ollama_server.url).chat(MODEL, chat_body()["messages"])

    assert reply.message.content == "Paris is the capital."
    assert (reply.done, reply.done_reason, reply.prompt_eval_count) == (True, "stop", 7)
    assert reply.eval_count == 4


async def test_ollama_async_client_streams_chat(ollama_server):
    client = ollama.AsyncClient(host=ollama_server.url)

    parts = [p async for p in await client.chat(MODEL, chat_body()["messages"], stream=True)]

    assert "".join(p.message.content for p in parts) == default_answer(chat_body())
    assert parts[-1].done


def test_ollama_client_lists_the_configured_models_with_details(ollama_server):
    listed = ollama.Client(host=ollama_server.url).list().models

    assert [m.model for m in listed] == ["llama3.2:3b", "qwen2.5:7b"]
    assert listed[0].details.family == "llama"
    assert listed[0].details.parameter_size == "3.2B"
    assert listed[1].details.quantization_level == "Q4_K_M"
    assert listed[1].size > 4_000_000_000
    assert re.fullmatch(r"[0-9a-f]{64}", listed[0].digest)


def test_ollama_client_shows_model_info_and_capabilities(ollama_server):
    shown = ollama.Client(host=ollama_server.url).show("qwen2.5:7b")

    assert shown.modelinfo["general.architecture"] == "qwen2"
    assert shown.capabilities == ["completion", "tools"]
    assert shown.details.parameter_size == "7.6B"


def test_ollama_client_reports_pull_progress_until_success(ollama_server):
    progress = list(ollama.Client(host=ollama_server.url).pull(MODEL, stream=True))

    assert progress[0].status == "pulling manifest"
    assert progress[-1].status == "success"
    layer = [p for p in progress if p.digest]
    assert layer[0].completed is None and layer[0].total > 0
    assert layer[2].completed == layer[2].total // 2


def test_pulling_an_unknown_model_fails_after_the_manifest_line(ollama_server):
    with pytest.raises(ollama.ResponseError, match="file does not exist"):
        list(ollama.Client(host=ollama_server.url).pull("nope:1b", stream=True))


def test_ollama_client_sees_a_used_model_as_loaded(ollama_server):
    client = ollama.Client(host=ollama_server.url)
    assert client.ps().models == []

    client.chat(MODEL, chat_body()["messages"])

    assert [m.model for m in client.ps().models] == [MODEL]


def test_an_unknown_model_is_a_404_response_error_for_chat(ollama_server):
    client = ollama.Client(host=ollama_server.url)

    with pytest.raises(ollama.ResponseError) as caught:
        list(client.chat("missing", chat_body()["messages"], stream=True))

    assert (caught.value.status_code, caught.value.error) == (404, "model 'missing' not found")


def test_an_unknown_model_is_a_404_response_error_for_show_with_the_normalised_name(ollama_server):
    with pytest.raises(ollama.ResponseError) as caught:
        ollama.Client(host=ollama_server.url).show("missing")

    assert (caught.value.status_code, caught.value.error) == (
        404,
        "model 'missing:latest' not found",
    )


def test_the_version_endpoint_answers_like_ollama_0_12_10(ollama_server):
    response = httpx.get(f"{ollama_server.url}/api/version")

    assert response.content == b'{"version":"0.12.10"}'


# --- langchain-ollama ----------------------------------------------------------------


def test_chat_ollama_invoke_aggregates_the_stream_and_its_usage(ollama_server):
    message = llm(ollama_server).invoke("What is Django?")

    expected = default_answer(chat_body("What is Django?"))
    assert message.content == expected
    assert message.usage_metadata["input_tokens"] == 12
    assert message.usage_metadata["output_tokens"] == len(re.findall(r"\s*\S+", expected))
    body = ollama_server.chat_requests[-1].body
    assert (body["stream"], body["options"], body["tools"]) == (True, {}, [])


async def test_chat_ollama_ainvoke_returns_the_scripted_answer(ollama_server):
    ollama_server.add_rule(Reply(content="Async hello"), when="greet")

    message = await llm(ollama_server).ainvoke("Please greet me")

    assert message.content == "Async hello"


async def test_chat_ollama_astream_has_usage_only_on_the_final_chunk(ollama_server):
    ollama_server.set_default(Reply(chunks=["One", " two", " three"], prompt_eval_count=5))

    chunks = [chunk async for chunk in llm(ollama_server).astream("count")]

    with_usage = [c for c in chunks if c.usage_metadata]
    assert "".join(c.content for c in chunks) == "One two three"
    assert len(with_usage) == 1
    assert with_usage[0].response_metadata["done"] is True
    assert with_usage[0].usage_metadata["input_tokens"] == 5
    assert with_usage[0].usage_metadata["output_tokens"] == 3


@tool
def calculate(expression: str) -> str:
    """Evaluate an arithmetic expression."""
    return expression


def test_chat_ollama_bind_tools_yields_the_scripted_tool_call(ollama_server):
    ollama_server.on_tools(
        Reply(tool_calls=[{"name": "calculate", "arguments": {"expression": "2+2"}}])
    )

    message = llm(ollama_server).bind_tools([calculate]).invoke("What is 2+2?")

    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("calculate", {"expression": "2+2"})
    ]
    assert ollama_server.chat_requests[-1].body["tools"][0]["function"]["name"] == "calculate"


def test_chat_ollama_validates_models_against_the_tags_listing(ollama_server):
    ChatOllama(model="qwen2.5:7b", base_url=ollama_server.url, validate_model_on_init=True)

    with pytest.raises(ValueError, match="not found"):
        ChatOllama(model="missing", base_url=ollama_server.url, validate_model_on_init=True)


class Intent(BaseModel):
    intent: Literal["general", "code", "research"]
    confidence: float = Field(ge=0, le=1)
    keywords: list[str] = Field(max_length=5)


def test_chat_ollama_structured_output_gets_a_valid_default_instance(ollama_server):
    result = llm(ollama_server).with_structured_output(Intent).invoke("classify me")

    assert result == Intent(intent="general", confidence=0.9, keywords=["test", "test"])
    assert ollama_server.chat_requests[-1].body["format"]["title"] == "Intent"


def test_chat_ollama_structured_output_uses_a_scripted_answer(ollama_server):
    ollama_server.on_structured(lambda body: {"intent": "code", "confidence": 0.5, "keywords": []})

    result = llm(ollama_server).with_structured_output(Intent).invoke("write python")

    assert result == Intent(intent="code", confidence=0.5, keywords=[])


# --- wire shape (raw httpx) ----------------------------------------------------------


def test_streams_are_chunked_ndjson_without_blank_lines(ollama_server):
    response, raw = stream_raw(ollama_server, chat_body())

    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["transfer-encoding"] == "chunked"
    assert raw.endswith(b"}\n")
    assert all(line for line in raw.split(b"\n")[:-1])


def test_non_streaming_json_has_a_charset_and_no_trailing_newline(ollama_server):
    response = post_chat(ollama_server)

    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content.endswith(b"}")
    assert list(response.json()) == FINAL_KEYS


def test_html_characters_are_escaped_like_go(ollama_server):
    ollama_server.set_default(Reply(content="<b>Tom & Jerry</b> café"))

    response = post_chat(ollama_server)

    assert b"\\u003cb\\u003eTom \\u0026 Jerry\\u003c/b\\u003e caf\xc3\xa9" in response.content
    assert b"<" not in response.content and b"&" not in response.content


def test_only_the_final_chunk_carries_counts_in_go_key_order(ollama_server):
    lines = stream_lines(ollama_server, chat_body())

    assert all(list(line) == ["model", "created_at", "message", "done"] for line in lines[:-1])
    assert list(lines[-1]) == FINAL_KEYS
    assert lines[-1]["message"] == {"role": "assistant", "content": ""}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z", lines[-1]["created_at"])


def test_zero_metrics_are_omitted(ollama_server):
    ollama_server.set_default(Reply(content="x", prompt_eval_count=0))

    final = post_chat(ollama_server).json()

    assert "prompt_eval_count" not in final
    assert final["eval_count"] == 1


def test_tool_calls_come_in_their_own_chunk_before_done(ollama_server):
    calls = [{"name": "add", "arguments": {"b": 2, "a": 1}}, {"name": "calculate", "arguments": {}}]
    ollama_server.on_tools(Reply(content="Let me add.", tool_calls=calls))

    lines = stream_lines(ollama_server, chat_body(tools=[{"type": "function"}]))

    message = lines[-2]["message"]
    assert message["content"] == ""
    assert [c["function"]["index"] for c in message["tool_calls"]] == [0, 1]
    assert list(message["tool_calls"][0]["function"]["arguments"]) == ["b", "a"]
    assert all(re.fullmatch(r"call_[a-z0-9]{8}", c["id"]) for c in message["tool_calls"])
    assert "".join(line["message"]["content"] for line in lines) == "Let me add."


def test_format_json_gets_an_empty_object(ollama_server):
    assert answer(ollama_server, format="json") == "{}"


def test_chat_without_messages_reports_a_load(ollama_server):
    response = httpx.post(f"{ollama_server.url}/api/chat", json={"model": MODEL, "messages": []})

    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json()["done_reason"] == "load"
    assert "eval_count" not in response.json()


def test_generate_streams_responses_with_a_context_on_the_final_chunk(ollama_server):
    ollama_server.add_rule(Reply(content="Once upon a time"), when="story")

    with httpx.stream(
        "POST", f"{ollama_server.url}/api/generate", json={"model": MODEL, "prompt": "A story"}
    ) as response:
        lines = [json.loads(line) for line in response.iter_lines()]

    assert "".join(line["response"] for line in lines) == "Once upon a time"
    assert list(lines[-1])[:7] == [
        "model",
        "created_at",
        "response",
        "done",
        "done_reason",
        "context",
        "total_duration",
    ]


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/api/nope", 404, b"404 page not found"),
        ("GET", "/api/chat", 405, b"405 method not allowed"),
    ],
)
def test_unknown_routes_and_methods_get_gins_plain_text(ollama_server, method, path, status, body):
    response = httpx.request(method, f"{ollama_server.url}{path}")

    assert (response.status_code, response.content) == (status, body)
    assert response.headers["content-type"] == "text/plain"


def test_root_says_ollama_is_running_also_for_head(ollama_server):
    assert httpx.get(ollama_server.url).text == "Ollama is running"
    assert httpx.head(ollama_server.url).status_code == 200
    assert httpx.head(f"{ollama_server.url}/api/tags").status_code == 200


@pytest.mark.parametrize(
    ("content", "status", "error"),
    [
        (b"", 400, "missing request body"),
        (b'{"messages": []}', 400, "model is required"),
        (b"nonsense", 400, "invalid character 'n' looking for beginning of value"),
        (
            b'{"model": "llama3.2:3b", "think": true}',
            400,
            '"llama3.2:3b" does not support thinking',
        ),
    ],
)
def test_bad_chat_requests_get_ollamas_errors(ollama_server, content, status, error):
    response = httpx.post(f"{ollama_server.url}/api/chat", content=content)

    assert (response.status_code, response.json()) == (status, {"error": error})


# --- scripting -----------------------------------------------------------------------


def test_rules_match_the_last_user_message_case_insensitively(ollama_server):
    ollama_server.add_rule(Reply(content="Bonjour"), when="FRENCH")

    assert answer(ollama_server, "say it in french") == "Bonjour"
    assert answer(ollama_server, "say it in german") != "Bonjour"


def test_the_newest_rule_wins_and_times_limits_its_uses(ollama_server):
    ollama_server.add_rule(Reply(content="old"))
    ollama_server.add_rule(Reply(content="new"), times=1)

    assert [answer(ollama_server), answer(ollama_server)] == ["new", "old"]


def test_rules_can_be_limited_to_a_model_and_use_callables(ollama_server):
    ollama_server.add_rule(
        Reply(content=lambda body: body["messages"][-1]["content"].upper()),
        model="qwen2.5:7b",
        when=lambda body: len(body["messages"]) == 1,
    )

    assert answer(ollama_server, "echo", model="qwen2.5:7b") == "ECHO"
    assert answer(ollama_server, "echo") != "ECHO"


def test_a_failing_rule_callable_is_reported_in_the_error(ollama_server):
    ollama_server.add_rule(Reply(content=lambda body: body["no such key"]))

    response = post_chat(ollama_server)

    assert response.status_code == 500
    assert "scripted rule raised KeyError" in response.json()["error"]


def test_structured_defaults_follow_the_json_schema():
    schema = {
        "$defs": {
            "Item": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}}
        },
        "type": "object",
        "properties": {
            "score": {"type": "number", "maximum": 0.5},
            "flag": {"type": "boolean"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 3},
            "one": {"type": "array", "items": {"type": "string"}, "maxItems": 1},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "string", "enum": ["x", "y"]}]},
        },
    }

    assert schema_instance(schema) == {
        "score": 0.5,
        "flag": True,
        "items": [{"n": 3}, {"n": 3}, {"n": 3}],
        "one": ["test"],
        "maybe": "x",
    }


def test_the_request_log_keeps_path_method_body_and_headers(ollama_server):
    ollama.Client(host=ollama_server.url).chat(MODEL, chat_body()["messages"])
    httpx.get(f"{ollama_server.url}/api/tags")

    chat, tags = ollama_server.requests
    assert (chat.path, chat.method, chat.body["model"]) == ("/api/chat", "POST", MODEL)
    assert chat.headers["user-agent"].startswith("ollama-python/")
    assert (tags.path, tags.method, tags.body) == ("/api/tags", "GET", None)
    assert ollama_server.chat_requests == [chat]


def test_reset_forgets_rules_and_the_log(ollama_server):
    ollama_server.add_rule(Reply(content="scripted"))
    answer(ollama_server)

    ollama_server.reset()

    assert ollama_server.requests == []
    assert answer(ollama_server) == default_answer(chat_body())


# --- faults --------------------------------------------------------------------------


def test_http_500_fails_before_streaming(ollama_server):
    ollama_server.set_default(Reply(content="x", fault="http_500", error_message="boom"))

    with pytest.raises(ollama.ResponseError) as caught:
        list(
            ollama.Client(host=ollama_server.url).chat(MODEL, chat_body()["messages"], stream=True)
        )

    assert (caught.value.status_code, caught.value.error) == (500, "boom")


def test_an_endpoint_can_fail_a_number_of_times_while_probes_answer(ollama_server):
    client = ollama.Client(host=ollama_server.url)
    ollama_server.fail("/api/embed", status=503, message="busy", times=2)

    for _ in range(2):
        with pytest.raises(ollama.ResponseError) as caught:
            client.embed(MODEL, "hi")
        assert (caught.value.status_code, caught.value.error) == (503, "busy")
        assert client.list().models
    assert client.embed(MODEL, "hi").embeddings
    assert [r.path for r in ollama_server.requests].count("/api/embed") == 3


def test_error_midstream_sends_chunks_then_an_error_line(ollama_server):
    ollama_server.set_default(Reply(chunks=["a", "b", "c", "d"], fault="error_midstream"))

    lines = stream_lines(ollama_server, chat_body())

    assert [line.get("message", {}).get("content") for line in lines[:-1]] == ["a", "b"]
    assert lines[-1] == {"error": "model runner has unexpectedly stopped"}


def test_error_midstream_raises_in_the_ollama_client_after_the_first_chunks(ollama_server):
    ollama_server.set_default(Reply(chunks=["a", "b", "c"], fault="error_midstream", fault_after=1))
    parts = ollama.Client(host=ollama_server.url).chat(MODEL, chat_body()["messages"], stream=True)
    seen: list[str] = []

    with pytest.raises(ollama.ResponseError, match="unexpectedly stopped"):
        seen.extend(part.message.content for part in parts)  # keeps what arrived before

    assert seen == ["a"]


def test_drop_midstream_aborts_the_connection_after_some_chunks(ollama_server):
    ollama_server.set_default(Reply(chunks=["a", "b", "c", "d"], fault="drop_midstream"))
    seen: list[str] = []

    with pytest.raises(httpx.RemoteProtocolError):
        read_contents_into(seen, ollama_server)

    assert seen == ["a", "b"]
    assert ollama_server.disconnects == 0  # the server's own abort is not a client leaving


def test_hang_midstream_stalls_after_some_chunks(ollama_server):
    ollama_server.set_default(Reply(chunks=["a", "b", "c"], fault="hang_midstream", fault_after=1))
    seen: list[str] = []

    with pytest.raises(httpx.ReadTimeout):
        read_contents_into(seen, ollama_server, timeout=0.3)

    assert seen == ["a"]
    ollama_server.wait_for(lambda: ollama_server.disconnects == 1)


def read_contents_into(seen: list[str], server: OllamaTestServer, timeout: float = 10) -> None:
    url = f"{server.url}/api/chat"
    with httpx.stream("POST", url, json=chat_body(), timeout=timeout) as response:
        seen.extend(json.loads(line)["message"]["content"] for line in response.iter_lines())


def test_hang_never_answers_and_counts_the_client_leaving(ollama_server):
    ollama_server.set_default(Reply(content="never", fault="hang"))

    with pytest.raises(httpx.ReadTimeout):
        post_chat_with_timeout(ollama_server, 0.3)

    ollama_server.wait_for(lambda: ollama_server.disconnects == 1)
    assert ollama_server.active_streams == 0


def post_chat_with_timeout(server: OllamaTestServer, timeout: float) -> httpx.Response:
    with httpx.Client(timeout=timeout) as client:
        return client.post(f"{server.url}/api/chat", json=chat_body())


# --- timing, flushing and disconnects ------------------------------------------------


def arrival_times(server: OllamaTestServer) -> tuple[float, list[float]]:
    started = time.monotonic()
    with httpx.stream("POST", f"{server.url}/api/chat", json=chat_body(), timeout=10) as response:
        return started, [time.monotonic() for _ in response.iter_lines()]


def test_first_token_delay_holds_back_the_first_chunk(ollama_server):
    ollama_server.set_default(Reply(content="late", first_token_delay=0.5))

    started, arrivals = arrival_times(ollama_server)

    assert arrivals[0] - started >= 0.4


def test_chunks_are_flushed_as_they_are_produced(ollama_server):
    ollama_server.set_default(Reply(chunks=list("abcde"), chunk_interval=0.1))

    _, arrivals = arrival_times(ollama_server)

    assert arrivals[-1] - arrivals[0] >= 0.25  # 0.4 s when nothing is late


def test_first_token_delay_also_delays_non_streaming_answers(ollama_server):
    ollama_server.set_default(Reply(content="late", first_token_delay=0.4))
    started = time.monotonic()

    post_chat(ollama_server)

    assert time.monotonic() - started >= 0.3


def test_a_client_closing_a_stream_early_is_counted(ollama_server):
    ollama_server.set_default(Reply(chunks=["x"] * 50, chunk_interval=0.05))

    with httpx.stream("POST", f"{ollama_server.url}/api/chat", json=chat_body()) as response:
        lines = response.iter_lines()  # held: a discarded iterator closes the connection
        next(lines)
        assert ollama_server.active_streams == 1

    ollama_server.wait_for(lambda: ollama_server.disconnects == 1)
    ollama_server.wait_for(lambda: ollama_server.active_streams == 0)


async def test_cancelling_an_async_langchain_stream_is_counted(ollama_server):
    ollama_server.set_default(Reply(chunks=["x"] * 50, chunk_interval=0.05))
    first_chunk = asyncio.Event()

    async def consume() -> None:
        async for _ in llm(ollama_server).astream("hi"):
            first_chunk.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first_chunk.wait(), timeout=10)
    task.cancel()

    await ollama_server.async_wait_for(lambda: ollama_server.disconnects == 1)
    await ollama_server.async_wait_for(lambda: ollama_server.active_streams == 0)


def test_a_finished_stream_is_not_a_disconnect(ollama_server):
    stream_lines(ollama_server, chat_body())

    # The server thread finishes its bookkeeping just after the client read the last line.
    ollama_server.wait_for(lambda: ollama_server.active_streams == 0)
    assert ollama_server.disconnects == 0


# --- fixtures and CLI ----------------------------------------------------------------


def test_the_fixture_points_settings_at_the_server(ollama_server, settings):
    assert ollama_server.url == settings.OLLAMA_URL


def test_the_down_url_refuses_connections(ollama_down_url):
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{ollama_down_url}/api/version")


def test_the_server_works_as_a_context_manager_with_custom_models():
    with OllamaTestServer(models=["mistral:7b"]) as server:
        names = [m["name"] for m in httpx.get(f"{server.url}/api/tags").json()["models"]]

    assert names == ["mistral:7b"]


def test_server_wide_timing_shapes_the_default_answers():
    with OllamaTestServer(chunks=5, latency=0.2) as server:
        started = time.monotonic()
        lines = stream_lines(server, chat_body())

    assert time.monotonic() - started >= 0.15
    assert len(lines) == 6  # five pieces and the final chunk
    assert "".join(line["message"]["content"] for line in lines) == default_answer(chat_body())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_cli_serves_until_terminated():
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ollama_testserver",
            "--port",
            str(port),
            "--latency",
            "0",
        ],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        version = _poll_version(f"http://127.0.0.1:{port}", deadline=time.monotonic() + 30)
    finally:
        process.terminate()
        returncode = process.wait(timeout=15)

    assert version == {"version": "0.12.10"}
    assert returncode == 0


def _poll_version(url: str, deadline: float) -> dict:
    while True:
        try:
            return httpx.get(f"{url}/api/version", timeout=1).json()
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
