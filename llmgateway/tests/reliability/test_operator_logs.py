"""What an operator reads in the logs during the first hour (issue 13.6): Ollama being
unreachable is said, with its URL and the error, at start-up and on the first failure (then
rate-limited); every request is one line, the gateway's JSON access line."""

from __future__ import annotations

import json
import time

import pytest

from llmgateway.tests.reliability.client import CHAT, stream_events
from llmgateway.tests.reliability.conftest import client_for

pytestmark = pytest.mark.slow
WAIT_SECONDS = 15.0


def _log_lines(gateway) -> list[dict]:
    lines = []
    for raw in gateway.log_path.read_text(errors="replace").splitlines():
        try:
            lines.append(json.loads(raw))
        except json.JSONDecodeError:
            lines.append({"raw": raw})
    return lines


def _wait_for_line(gateway, predicate) -> list[dict]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        lines = _log_lines(gateway)
        if any(predicate(line) for line in lines):
            return lines
        time.sleep(0.05)
    raise AssertionError(f"no such log line in:\n{gateway.log_tail()}")


def _unreachable_warnings(lines: list[dict], url: str) -> list[dict]:
    return [
        line
        for line in lines
        if line.get("level") == "WARNING"
        and url in line.get("message", "")
        and "unreachable" in line.get("message", "")
        and "start-up" not in line["message"]
    ]


def test_an_unreachable_ollama_is_named_at_start_up(start_gateway, ollama_down_url):
    gateway = start_gateway(OLLAMA_URL=ollama_down_url)

    lines = _wait_for_line(
        gateway, lambda line: "unreachable at start-up" in line.get("message", "")
    )

    warning = next(line for line in lines if "start-up" in line.get("message", ""))
    assert warning["level"] == "WARNING"
    assert ollama_down_url in warning["message"]
    assert "ConnectError" in warning["message"]


def test_a_failed_chat_says_why_once_then_is_rate_limited(
    start_gateway, ollama_down_url, chat_user
):
    gateway = start_gateway(OLLAMA_URL=ollama_down_url)
    with client_for(gateway, chat_user) as client:
        statuses = [client.post(CHAT, json={"query": f"hello {n}"}).status_code for n in range(3)]

    assert statuses == [503, 503, 503]
    warnings = _unreachable_warnings(_log_lines(gateway), ollama_down_url)
    assert len(warnings) == 1, warnings
    # The refused connection itself, or the fleet's verdict after its probe found none.
    assert any(
        cause in warnings[0]["message"]
        for cause in ("ConnectionRefusedError", "ConnectError", "no Ollama backend answers")
    ), warnings[0]


def test_a_failed_stream_says_why(start_gateway, ollama_down_url, chat_user):
    gateway = start_gateway(OLLAMA_URL=ollama_down_url)
    with client_for(gateway, chat_user) as client:
        events = stream_events(client, "hello")

    assert events[-1].event == "error"
    assert len(_unreachable_warnings(_log_lines(gateway), ollama_down_url)) == 1


def test_every_request_is_one_json_line(start_gateway, ollama_down_url):
    gateway = start_gateway(OLLAMA_URL=ollama_down_url)
    with client_for(gateway) as client:
        client.get("/health", headers={"X-Request-ID": "one-line-1"})
        client.get("/api/metrics", headers={"X-Request-ID": "one-line-2"})

    lines = _wait_for_line(gateway, lambda line: line.get("request_id") == "one-line-2")
    for request_id in ("one-line-1", "one-line-2"):
        ours = [line for line in lines if line.get("request_id") == request_id]
        assert [line["logger"] for line in ours] == ["llmgateway.access"]
    # Daphne's own access log (plain text: `127.0.0.1:port - - [date] "GET /health" 200`).
    plain = [line["raw"] for line in lines if "raw" in line and '"GET /' in line["raw"]]
    assert plain == []
