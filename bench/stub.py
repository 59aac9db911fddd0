"""The Ollama stub as a child process on one fixed port, restarted per scenario settings.

The port stays the same across restarts, so a running gateway (whose OLLAMA_URL is read
once at start) follows the stub from scenario to scenario.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.procs import Child, base_env, free_port, spawn, wait_http


@dataclass(frozen=True)
class StubSettings:
    """How the stub answers: delay before each reply, and the answer's chunking."""

    latency: float = 0.0
    chunks: int | None = None
    chunk_interval: float = 0.0

    def args(self) -> list[str]:
        args = ["--latency", str(self.latency), "--chunk-interval", str(self.chunk_interval)]
        return args + (["--chunks", str(self.chunks)] if self.chunks else [])


class Stub:
    """Owns the stub process; `configure` restarts it only when the settings change."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.capture_path = log_dir / "ollama-bodies-0.json"
        self.settings: StubSettings | None = None
        self.child: Child | None = None
        self._starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def configure(self, settings: StubSettings) -> None:
        if self.child is not None and settings == self.settings:
            return
        self.stop()
        self._starts += 1
        # A fresh capture per start: the direct side replays what this stub was sent.
        self.capture_path = self.log_dir / f"ollama-bodies-{self._starts}.json"
        args = ["-m", "bench.ollama_stub", "--port", str(self.port), *settings.args()]
        args += ["--capture", str(self.capture_path)]
        self.child = spawn(
            f"ollama-stub-{self._starts}", args, env=base_env(), log_dir=self.log_dir
        )
        wait_http(self.child, f"{self.url}/api/version", timeout=60)
        self.settings = settings

    def captured_bodies(self) -> dict[str, Any] | None:
        """The classifier and answer bodies the gateway sent, once both were seen."""
        try:
            bodies = json.loads(self.capture_path.read_text())
        except (OSError, ValueError):
            return None
        return bodies if {"classifier", "answer"} <= bodies.keys() else None

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()
            self.child = None
