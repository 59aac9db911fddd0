"""`make run`'s server script: the embedded Redis stops when the gateway stops (issue 13.6)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx
import pytest

from llmgateway.embedded_redis import _running_server
from llmgateway.tests.live import BASE_DIR, free_port, gateway_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
RUN_DIR = BASE_DIR / ".run"
START_SECONDS = 90.0


def _wait_until_healthy(url: str, process: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
        try:
            httpx.get(f"{url}/health", timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"not serving:\n{log_path.read_text(errors='replace')[-3000:]}")


def test_the_embedded_redis_stops_when_the_gateway_is_interrupted(django_db_setup, tmp_path):
    port = free_port()
    env = gateway_env(PORT=str(port), HOST="127.0.0.1")
    env.pop("REDIS_URL")  # as on a fresh machine: the embedded Redis under .run/
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bash", "scripts/serve.sh"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal gives `make run`
        )
        try:
            _wait_until_healthy(f"http://127.0.0.1:{port}", process, log_path)
            server = _running_server(RUN_DIR)
            assert server is not None, "the gateway did not start the embedded Redis"

            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends
            assert process.wait(timeout=60) is not None
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)

    assert _running_server(RUN_DIR) is None, log_path.read_text(errors="replace")[-3000:]
    with pytest.raises(ProcessLookupError):
        os.kill(server[0], 0)
