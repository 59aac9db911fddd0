"""A CPU profile of the gateway under load: py-spy sampling the thread that holds the GIL.

pyinstrument (bench/profiled_daphne.py) samples the main thread's wall time, so a frame
that is descheduled keeps being charged. On a small VM a loopback send is descheduled
whenever it wakes its receiver (Redis, PostgreSQL, the client), and sends looked like a
fifth of the chat's work there, while the process spends about a tenth of its CPU in the
kernel. `py-spy record --gil` samples whichever thread holds the GIL, in any thread (the
database threads included): Python running, not waiting. It reads the stacks from outside
(`--nonblocking`: the process is not paused), so the gateway runs at its normal speed. It
needs ptrace rights over the process (root, or `kernel.yama.ptrace_scope` 0); without them
the report says so and keeps pyinstrument's profile.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
from collections import Counter
from pathlib import Path

from bench.profile_summary import BASE_DIR, package_of

SAMPLE_RATE = 250  # per second
STOP_TIMEOUT = 30.0


def py_spy() -> str | None:
    """The py-spy executable beside this interpreter, or on the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Recording:
    """`py-spy record` attached to a running process until `stop()`."""

    def __init__(self, pid: int, output: Path) -> None:
        self.pid, self.output = pid, output
        self.process: asyncio.subprocess.Process | None = None
        self.error = ""

    async def start(self) -> bool:
        executable = py_spy()
        if executable is None:
            self.error = "py-spy is not installed (requirements-dev.txt)"
            return False
        self.process = await asyncio.create_subprocess_exec(
            executable,
            "record",
            "--pid",
            str(self.pid),
            "--gil",
            "--nonblocking",
            "--full-filenames",
            "--rate",
            str(SAMPLE_RATE),
            "--format",
            "raw",
            "--output",
            str(self.output),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return True

    async def stop(self) -> bool:
        """Stop sampling (py-spy writes its file on SIGINT); whether a profile was written.
        Safe to call again."""
        process, self.process = self.process, None
        if process is None:
            return self.output.exists()
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            self.error = "py-spy did not stop"
            return False
        if not self.output.exists():
            said = stderr.decode(errors="replace").strip().splitlines()
            self.error = f"py-spy: {said[-1] if said else 'no profile written'}"
            return False
        return True


def parse_folded(text: str) -> Counter[tuple[str, ...]]:
    """py-spy's raw (folded) output: `frame;frame;... count` per line, outermost first.
    The leading "process ..." and "thread ..." pseudo-frames are dropped."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = tuple(
            frame
            for frame in stack.split(";")
            if not frame.startswith(("process ", "thread ")) and frame
        )
        if frames:
            stacks[frames] += int(count)
    return stacks


def _short(frame: str) -> str:
    """`function (path:line)` with the path shortened as pyinstrument's summary shows it."""
    function, _, where = frame.partition(" (")
    where = where.rstrip(")")
    if "site-packages/" in where:
        where = where.split("site-packages/", 1)[1]
    elif where.startswith(BASE_DIR):
        where = where[len(BASE_DIR) :]
    elif "/lib/python3" in where:
        where = where.split("/lib/python3", 1)[1].split("/", 1)[-1]
    return f"{function}  {where}"


def _own(frame: str) -> bool:
    """A frame of the gateway's code (not a library's, not the bench's)."""
    path = frame.partition(" (")[2]
    return (
        path.startswith(BASE_DIR)
        and not path.startswith(BASE_DIR + "bench/")
        and "site-packages/" not in path  # a virtualenv inside the checkout
    )


def _package(frame: str) -> str:
    path = frame.partition(" (")[2].rpartition(":")[0]
    return package_of(path) or "(native)"


def summarize_folded(stacks: Counter[tuple[str, ...]], *, top: int = 20, packages: int = 15) -> str:
    """Shares of the GIL-holding samples: by package (self); the gateway's own functions by
    total (self + callees: the phases of a request); any function by self."""
    total = sum(stacks.values())
    if not total:
        return "No samples.\n"
    by_package: Counter[str] = Counter()
    by_self: Counter[str] = Counter()
    by_total: Counter[str] = Counter()
    for frames, count in stacks.items():
        by_package[_package(frames[-1])] += count
        by_self[_short(frames[-1])] += count
        for frame in {_short(frame) for frame in frames if _own(frame)}:
            by_total[frame] += count

    def block(title: str, counts: Counter[str], limit: int) -> list[str]:
        rows = [f"{100 * n / total:6.1f}%  {name}" for name, n in counts.most_common(limit)]
        return [title, *rows, ""]

    lines = [f"{total} samples of the thread holding the GIL ({SAMPLE_RATE} per second).", ""]
    lines += block("Self samples by package:", by_package, packages)
    own = f"The gateway's own top {top} functions by total (self + callees):"
    lines += block(own, by_total, top)
    lines += block(f"Top {top} functions by self:", by_self, top)
    return "\n".join(lines)
