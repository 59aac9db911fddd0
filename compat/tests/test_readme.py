"""The README's client snippets work when pasted: each Python block of the "Use it from..."
section runs against a live gateway (its URL and a real key swapped in)."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from bench.nginx_harness import BASE_DIR

pytestmark = pytest.mark.slow
SECTION = "## Use it from the openai SDK"


def snippets() -> list[str]:
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_section_has_the_three_python_clients():
    joined = "\n".join(snippets())

    for client in ("from openai import OpenAI", "ChatOpenAI", "ChatOllama", "import ollama"):
        assert client in joined


@pytest.mark.parametrize("index", range(3))
def test_each_python_snippet_runs_against_the_gateway(gateway, ollama, bob, index):
    code = snippets()[index].replace("http://localhost:8000", gateway.url)
    code = code.replace("sk-...", bob.key)
    printed = io.StringIO()

    with contextlib.redirect_stdout(printed):
        exec(compile(code, f"README snippet {index}", "exec"), {})

    assert printed.getvalue().strip()
    assert "Error" not in printed.getvalue()
