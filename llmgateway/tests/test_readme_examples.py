"""The README's API tour, pasted into a shell against a live gateway (issue 13.6).

Every ```bash block between "## API tour" and the next top-level section runs in order in
one bash session, as a reader would paste them: the only substitutions are the gateway's
address and an admin's token, which the README says to bring. Any request answering 4xx or
5xx fails the run (curl --fail-with-body), so an example that stops working fails here.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from llmgateway.tests.live import BASE_DIR
from llmgateway.tests.reliability.conftest import route_to_general

pytestmark = [pytest.mark.slow]
README = BASE_DIR / "README.md"
RUN_SECONDS = 120


def api_tour_blocks() -> list[str]:
    text = README.read_text()
    start = text.index("\n## API tour")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```bash\n(.*?)```", text[start:end], re.S)


def test_the_api_tour_has_runnable_examples():
    script = "\n".join(api_tour_blocks())

    assert "/api/auth/logout" in script and "/api/chat/stream" in script
    assert "<id>" not in script and "sk-..." not in script  # nothing left to fill in by hand


def test_the_readme_api_tour_runs_as_pasted(live_gateway_factory, ollama_server, admin_user):
    route_to_general(ollama_server)
    gateway = live_gateway_factory(OLLAMA_URL=ollama_server.url)
    prelude = f"""
set -euo pipefail
# What a careful reader sees: a failed request is an error, not a line of JSON to skim past.
curl() {{ command curl --fail-with-body --max-time 60 "$@"; }}
ADMIN_ACCESS={AccessToken.for_user(admin_user)}
"""
    script = prelude + "\n".join(api_tour_blocks())
    script = script.replace("GW=http://127.0.0.1:8000", f"GW={gateway.url}")

    result = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )

    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert '"is_blocked":false' in result.stdout.replace(" ", "")
    assert "event: done" in result.stdout
