"""Where the time went in a pyinstrument session: self time by package and by function.

Self time (time in a frame minus its children) is charged to the package of the frame's
file — a site-packages distribution, a project app, or a standard-library module; a
built-in (no file) is charged to the Python frame that called it. Time inside the event
loop's selector is the loop waiting for I/O, shown as idle.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pyinstrument.frame import Frame
from pyinstrument.session import Session

BASE_DIR = str(Path(__file__).resolve().parents[1]) + "/"
IDLE = "(idle: event loop waiting)"


def package_of(path: str | None) -> str | None:
    if not path or path.startswith("<"):
        return None
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if path.startswith(BASE_DIR):
        return path[len(BASE_DIR) :].split("/", 1)[0].removesuffix(".py")
    if "/lib/python3" in path:
        rest = path.split("/lib/python3", 1)[1].split("/", 2)
        return "stdlib " + (rest[1].removesuffix(".py") if len(rest) > 1 else "?")
    return path


def describe(frame: Frame) -> str:
    """`function  file:line`; a synthetic "[self]" leaf or a built-in names its caller."""
    owner = frame.parent if frame.is_synthetic_leaf and frame.parent is not None else frame
    where = f"{owner.function}  {owner.file_path_short}:{owner.line_no}"
    if owner.file_path and not owner.file_path.startswith("<"):
        return where
    caller = owner.parent
    if caller is None:
        return where
    return f"{owner.function} (built-in) in {caller.function}  {caller.file_path_short}"


def _walk(frame: Frame, owner: str, idle: bool, by_package: Counter, by_function: Counter) -> None:
    package = package_of(frame.file_path) or owner
    idle = idle or package == "stdlib selectors"
    self_time = frame.time - sum(child.time for child in frame.children)
    if self_time > 0:
        key = IDLE if idle else package
        by_package[key] += self_time
        if not idle:
            by_function[describe(frame)] += self_time
    for child in frame.children:
        _walk(child, package, idle, by_package, by_function)


def _name(frame: Frame) -> str:
    qualified = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
    return f"{qualified}  {frame.file_path_short}:{frame.line_no}"


# Frames every sample passes through (server loop, event loop): not worth listing.
_PLUMBING = {"daphne", "twisted", "bench", "stdlib asyncio", "stdlib selectors"}


def _inclusive(frame: Frame, path: frozenset, totals: Counter) -> None:
    """Total time under each function, counted once per stack (recursion and re-entry
    do not double count). The LLM calls run in tasks LangGraph spawns, so they show up
    beside the request, not under it."""
    package = package_of(frame.file_path)
    key = _name(frame) if package is not None and package not in _PLUMBING else None
    if key is not None and key not in path:
        totals[key] += frame.time
        path = path | {key}
    for child in frame.children:
        _inclusive(child, path, totals)


def summarize(session: Session, top: int = 40, packages: int | None = None) -> str:
    """A plain-text report: sampled time by package, then the top functions by self time."""
    root = session.root_frame(trim_stem=False)
    by_package: Counter = Counter()
    by_function: Counter = Counter()
    inclusive: Counter = Counter()
    if root is not None:
        _walk(root, "?", False, by_package, by_function)
        _inclusive(root, frozenset(), inclusive)
    total = sum(by_package.values()) or 1.0
    busy = total - by_package.get(IDLE, 0.0) or 1.0
    lines = [
        f"Profiled {session.duration:.2f} s of wall time, {session.cpu_time:.2f} s of process "
        f"CPU; {session.sample_count} wall-time samples of the main thread.",
        "",
        "Self time by package (share of busy time):",
    ]
    for package, seconds in by_package.most_common(packages):
        share = "" if package == IDLE else f"{100 * seconds / busy:5.1f}%"
        lines.append(f"  {seconds:8.3f} s  {share:>6}  {package}")
    lines += ["", f"Top {top} functions by total time (self + callees):"]
    for location, seconds in inclusive.most_common(top):
        lines.append(f"  {seconds:8.3f} s  {100 * seconds / busy:5.1f}%  {location}")
    lines += ["", f"Top {top} functions by self time:"]
    for location, seconds in by_function.most_common(top):
        lines.append(f"  {seconds:8.3f} s  {100 * seconds / busy:5.1f}%  {location}")
    return "\n".join(lines) + "\n"
