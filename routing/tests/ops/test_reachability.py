"""The operator is told when Ollama cannot be reached: once, then at most once a minute."""

from __future__ import annotations

import logging

import httpx
import ollama
import pytest

from routing.ollama import reachability

URL = "http://ollama.internal:11434"


@pytest.fixture(autouse=True)
def _fresh():
    reachability.reset()
    yield
    reachability.reset()


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "routing.ollama"]


def _refused() -> ConnectionError:
    try:
        raise httpx.ConnectError("[Errno 111] Connection refused")
    except httpx.ConnectError as cause:
        try:
            raise ConnectionError("Failed to connect to Ollama.") from cause
        except ConnectionError as exc:
            return exc


def test_the_first_failure_names_the_url_and_the_root_cause(caplog):
    with caplog.at_level(logging.WARNING, logger="routing.ollama"):
        reachability.report_unreachable(_refused(), url=URL)

    assert _warnings(caplog) == [
        f"Ollama at {URL} is unreachable: ConnectionError: Failed to connect to Ollama. "
        "(caused by ConnectError: [Errno 111] Connection refused)"
    ]


def test_repeats_within_a_minute_are_counted_and_reported_with_the_next_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="routing.ollama"):
        for _ in range(5):
            reachability.report_unreachable(_refused(), url=URL)
        assert len(_warnings(caplog)) == 1

        reachability._last_warning -= reachability.REPEAT_SECONDS  # a minute has passed
        reachability.report_unreachable(TimeoutError(), url=URL)

    last = _warnings(caplog)[-1]
    assert len(_warnings(caplog)) == 2
    assert "TimeoutError: no answer in time" in last
    assert "(4 more failures since the last warning)" in last


def test_ollama_answering_with_an_error_is_not_unreachable(caplog):
    with caplog.at_level(logging.WARNING, logger="routing.ollama"):
        reachability.report_unreachable(ollama.ResponseError("model not found", 404), url=URL)

    assert _warnings(caplog) == []


def test_the_start_up_probe_warns_with_the_url(caplog, ollama_down_url):
    with caplog.at_level(logging.INFO, logger="routing.ollama"):
        assert reachability.probe_at_startup(ollama_down_url) is False

    (message,) = _warnings(caplog)
    assert message.startswith(
        f"Ollama at {ollama_down_url} is unreachable at start-up: ConnectError"
    )


def test_the_start_up_probe_says_when_ollama_answers(caplog, ollama_server):
    with caplog.at_level(logging.INFO, logger="routing.ollama"):
        assert reachability.probe_at_startup(ollama_server.url) is True

    assert _warnings(caplog)[0].startswith(f"Ollama at {ollama_server.url} answers (version")


def test_without_a_url_it_names_the_configured_backends(caplog, settings):
    settings.OLLAMA_URLS = ["http://gpu-1:11434", "http://gpu-2:11434"]
    with caplog.at_level(logging.WARNING, logger="routing.ollama"):
        reachability.report_unreachable(_refused())

    assert _warnings(caplog)[0].startswith(
        "Ollama at http://gpu-1:11434, http://gpu-2:11434 is unreachable:"
    )
