"""`python -m bench --quick` runs every scenario end to end and writes its report.

No timing is asserted: the point is that the harness (services, load generator, direct
calls, report) keeps working as the gateway changes. It uses a database of its own on the
test run's PostgreSQL server and the test run's Redis index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench.scenarios import ALL

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def bench_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_bench_smoke"))


def run_bench(output: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--output",
            str(output),
            "--database-url",
            bench_database_url(),
            "--redis-url",
            os.environ["REDIS_URL"],
            *extra,
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_it_runs_every_scenario_and_writes_the_report(tmp_path):
    output = tmp_path / "BENCHMARKS.md"

    result = run_bench(output, "--runs", "single")

    assert result.returncode == 0, result.stdout + result.stderr
    report = output.read_text()
    for scenario in ALL:
        assert f"### {scenario.TITLE}" in report, scenario.KEY
    assert "Not measured" not in report, report
    assert "## Targets" in report
    assert "| chat overhead c=1 p50 |" in report


@pytest.mark.skipif(
    not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="no nginx"
)
def test_it_runs_behind_nginx_with_two_gateway_processes(tmp_path):
    output = tmp_path / "BENCHMARKS.md"

    result = run_bench(output, "--runs", "nginx", "--only", "chat")

    assert result.returncode == 0, result.stdout + result.stderr
    report = output.read_text()
    assert "## two Daphne processes behind nginx" in report
    assert "Not measured" not in report, report


def test_the_in_process_measurement_runs_every_scenario():
    result = subprocess.run(
        [
            sys.executable,
            *("-m", "bench.inprocess", "--requests", "5", "--rounds", "1"),
            *("--scenarios", "chat,stream,hit,health,unauthorized"),
            *("--database-url", bench_database_url(), "--redis-url", os.environ["REDIS_URL"]),
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # Each worker checked every response's status (200, or 401 for `unauthorized`).
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[0].strip("| ") for row in rows] == [
        "chat",
        "stream",
        "hit",
        "health",
        "unauthorized",
    ]
    assert all(float(row.split(" | ")[3].strip(" |")) > 0 for row in rows)


def test_it_profiles_a_streamed_chat(tmp_path):
    output = tmp_path / "BENCHMARKS.md"

    result = run_bench(output, "--runs", "single", "--only", "streaming", "--profile", "streaming")

    assert result.returncode == 0, result.stdout + result.stderr
    report = output.read_text()
    assert "Streaming at c=10" in report
    assert "under pyinstrument" in report
    # py-spy's CPU profile, or the reason there is none (it needs ptrace rights).
    assert "under py-spy" in report
