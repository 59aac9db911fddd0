"""Daphne started as production starts it (`daphne -b HOST -p PORT`: scripts/serve.sh, the
Dockerfile, compose) listens with the gateway's backlog, not Twisted's 50, which reset
connections in a burst of a few hundred simultaneous connects."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from llmgateway.daphne_protocol import LISTEN_BACKLOG, with_backlog

pytestmark = pytest.mark.slow


def test_endpoints_get_the_backlog_unless_they_set_their_own():
    assert with_backlog(
        [
            "tcp:port=8000:interface=0.0.0.0",
            "tcp:port=8001:interface=127.0.0.1:backlog=64",
            "unix:/run/gateway.sock",
            "fd:fileno=3",
        ]
    ) == [
        f"tcp:port=8000:interface=0.0.0.0:backlog={LISTEN_BACKLOG}",
        "tcp:port=8001:interface=127.0.0.1:backlog=64",
        f"unix:/run/gateway.sock:backlog={LISTEN_BACKLOG}",
        "fd:fileno=3",
    ]


def test_daphne_with_host_and_port_listens_with_the_gateways_backlog(live_gateway):
    [process] = live_gateway.processes  # started with -b 127.0.0.1 -p PORT (tests/live.py)

    started = f"tcp:port={process.port}:interface=127.0.0.1:backlog={LISTEN_BACKLOG}"
    assert started in process.log_path.read_text(errors="replace")
    if shutil.which("ss"):  # the kernel's view: a listening socket's Send-Q is its backlog
        listening = subprocess.run(
            ["ss", "-Hltn", f"sport = :{process.port}"], capture_output=True, text=True
        ).stdout.split()
        assert listening[:3] == ["LISTEN", "0", str(LISTEN_BACKLOG)]
