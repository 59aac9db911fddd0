"""Facts about the machine and its load, for the report's header."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass

import psutil


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def nginx_version() -> str | None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if nginx is None:
        return None
    result = subprocess.run([nginx, "-v"], capture_output=True, text=True, timeout=10, check=False)
    return (result.stderr or result.stdout).strip().removeprefix("nginx version: ")


def code_version(repo: str) -> str:
    """The commit under test and how many files differ from it (read-only git calls)."""

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", "-C", repo, *args], capture_output=True, text=True, timeout=10, check=False
        )
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    changed = len([line for line in git("status", "--porcelain").splitlines() if line])
    return f"commit {commit}" + (f" + {changed} uncommitted file(s)" if changed else "")


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    ram_gb: float
    python: str
    system: str
    nginx: str | None

    @classmethod
    def detect(cls) -> Machine:
        return cls(
            cpu=cpu_model(),
            cores=os.cpu_count() or 0,
            ram_gb=psutil.virtual_memory().total / 2**30,
            python=platform.python_version(),
            system=f"{platform.system()} {platform.release()}",
            nginx=nginx_version(),
        )


@dataclass(frozen=True)
class Load:
    """Load average and busy CPU share (over one second) at one moment."""

    load1: float
    load5: float
    load15: float
    cpu_busy_pct: float

    @classmethod
    def now(cls) -> Load:
        load1, load5, load15 = os.getloadavg()
        return cls(load1, load5, load15, psutil.cpu_percent(interval=1.0))

    def __str__(self) -> str:
        return (
            f"load average {self.load1:.2f} / {self.load5:.2f} / {self.load15:.2f} "
            f"(1/5/15 min), CPU {self.cpu_busy_pct:.0f}% busy"
        )
