"""Run the project's real nginx/nginx.conf on loopback in front of live gateway processes.

The committed config names the compose service (`gateway:8000`) and port 80; the harness
rewrites only those addresses and the writable paths, so everything else under test —
rate limits, buffering, timeouts — is exactly what ships.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.procs import free_port

BASE_DIR = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def render_config(upstreams: list[str], listen_port: int, workdir: Path) -> Path:
    config = (BASE_DIR / "nginx/nginx.conf").read_text()
    servers = "\n        ".join(f"server {u.removeprefix('http://')};" for u in upstreams)
    replacements = {
        "server gateway:8000;": servers,
        "listen 80;": f"listen 127.0.0.1:{listen_port};",
        "/tmp/nginx-llmgateway.pid": str(workdir / "nginx.pid"),
    }
    for old, new in replacements.items():
        assert old in config, f"nginx.conf no longer contains {old!r}"
        config = config.replace(old, new)
    config = config.replace("/tmp/nginx-", str(workdir / "nginx-"))
    if os.geteuid() == 0:
        # Workers would drop to `nobody`, who cannot write pytest's private temp dirs.
        config = "user root;\n" + config
    path = workdir / "nginx.conf"
    path.write_text(config)
    return path


def config_test(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NGINX, "-t", "-c", str(config), "-p", str(config.parent)],
        capture_output=True,
        text=True,
        timeout=30,
    )


@dataclass
class RunningNginx:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_nginx(
    upstreams: list[str], workdir: Path, wait_path: str | None = "/openapi.json"
) -> RunningNginx:
    """Start nginx; wait until `wait_path` answers through it (None: until nginx listens)."""
    port = free_port()
    config = render_config(upstreams, port, workdir)
    process = subprocess.Popen(
        [NGINX, "-c", str(config), "-p", str(workdir), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "nginx.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}{wait_path or '/'}", timeout=2)
            return RunningNginx(url=url, process=process)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError((workdir / "nginx.log").read_text())
