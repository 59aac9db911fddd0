"""`manage.py pull_models` against the Ollama test server."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper

from ollama_testserver import OllamaTestServer
from routing.management.commands.pull_models import ProgressPrinter, human_bytes
from routing.ollama.admin import PullProgress

BASE_DIR = Path(__file__).resolve().parents[3]


def pull(*args: str) -> str:
    out = io.StringIO()
    call_command("pull_models", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_skips_models_the_server_already_has(ollama_server):
    output = pull()

    assert "llama3.2:3b: already present" in output
    assert "qwen2.5:7b: already present" in output
    assert not any(r.path == "/api/pull" for r in ollama_server.requests)


def test_it_pulls_with_a_progress_bar_per_layer_when_forced(ollama_server):
    output = pull("--force", "llama3.2:3b")

    assert "Pulling llama3.2:3b" in output
    assert "pulling manifest" in output
    assert "] 100%" in output
    assert "1.0 GB / 2.0 GB" in output  # half of the weights layer
    assert "verifying sha256 digest" in output
    assert "success" in output
    assert output.rstrip().endswith("llama3.2:3b: pulled")
    assert "\r" not in output  # not a tty: plain lines
    pulls = [r.body["model"] for r in ollama_server.requests if r.path == "/api/pull"]
    assert pulls == ["llama3.2:3b"]


def test_it_pulls_the_configured_models_by_default(settings):
    with OllamaTestServer(models=["llama3.2:3b"]) as server:
        settings.OLLAMA_URL = server.url
        with pytest.raises(CommandError, match=r"qwen2\.5:7b .*file does not exist"):
            pull()
        pulls = [r.body["model"] for r in server.requests if r.path == "/api/pull"]

    assert pulls == ["qwen2.5:7b"]  # llama3.2:3b was already there


def test_it_fails_on_an_unknown_model(ollama_server):
    with pytest.raises(CommandError, match=r"nope:1b.*pull model manifest: file does not exist"):
        pull("nope:1b")


def test_it_fails_when_ollama_is_unreachable(ollama_down_url, settings):
    settings.OLLAMA_URL = ollama_down_url

    with pytest.raises(CommandError, match="unreachable"):
        pull()
    with pytest.raises(CommandError, match="unreachable"):
        pull("--force", "llama3.2:3b")


def test_it_exits_non_zero_with_the_message(ollama_server):
    env = {**os.environ, "OLLAMA_URL": ollama_server.url}
    result = subprocess.run(
        [sys.executable, "manage.py", "pull_models", "nope:1b"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "CommandError" in result.stderr
    assert "file does not exist" in result.stderr


def test_it_redraws_one_line_per_layer_on_a_tty():
    out = io.StringIO()
    printer = ProgressPrinter(OutputWrapper(out), tty=True)
    for completed in (0, 50, 100):
        printer.show(
            PullProgress("pulling abc", digest="sha256:abc", total=100, completed=completed)
        )
    printer.show(PullProgress("pulling def", digest="sha256:def", total=10, completed=5))
    printer.show(PullProgress("writing manifest"))
    printer.finish()

    lines = out.getvalue().split("\n")
    assert lines[0].count("\r") == 3
    assert lines[0].endswith("100%  100 B / 100 B")
    assert lines[1].startswith("\r  pulling def") and "50%" in lines[1]
    assert lines[2] == "  writing manifest"


@pytest.mark.parametrize(
    ("count", "text"), [(80, "80 B"), (1500, "1.5 KB"), (2_019_393_189, "2.0 GB")]
)
def test_it_prints_sizes_in_decimal_units(count, text):
    assert human_bytes(count) == text
