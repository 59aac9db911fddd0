"""Child processes of the benchmark: start, wait until they answer HTTP, stop by pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

BASE_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Child:
    """A process we started, with its log file."""

    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def ps(self) -> psutil.Process:
        return psutil.Process(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        """Signal the process (only this pid) and wait; kill it if it lingers."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def spawn(name: str, args: list[str], *, env: dict[str, str], log_dir: Path) -> Child:
    """Start `python args...` in the repository root with its output in log_dir/name.log."""
    log_path = log_dir / f"{name}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C of the bench does not hit the children mid-run
    )
    log_file.close()
    return Child(name, process, log_path)


def wait_http(child: Child, url: str, *, timeout: float = 60.0) -> None:
    """Block until `url` answers (any status); raise with the log tail if the child died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited during start-up:\n{child.log_tail()}")
        try:
            httpx.get(url, timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    child.stop()
    raise RuntimeError(f"{child.name} did not answer {url} within {timeout}s:\n{child.log_tail()}")


def base_env() -> dict[str, str]:
    """The bench's own environment minus anything that would redirect Django settings."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env
