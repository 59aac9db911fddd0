"""docs/BENCHMARKS.md: the run's header, targets, key numbers and every scenario's tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.config import Sizes
from bench.machine import Load, Machine
from bench.runner import SystemRun
from bench.scenarios.base import ScenarioResult, Table
from bench.stats import fmt
from bench.targets import REFERENCE, targets

# (label, scenario, metric, digits) shown side by side for every system run.
KEY_NUMBERS = [
    ("chat overhead c=1 p50 / p99 (ms)", "chat", ("c1.overhead_p50_ms", "c1.overhead_p99_ms"), 1),
    (
        "chat overhead c=10 p50 / p99 (ms)",
        "chat",
        ("c10.overhead_p50_ms", "c10.overhead_p99_ms"),
        1,
    ),
    (
        "chats/s at c=1 / c=10 / c=50",
        "chat",
        ("c1.chats_per_s", "c10.chats_per_s", "c50.chats_per_s"),
        1,
    ),
    ("gateway CPU ms per chat at c=10", "chat", ("c10.cpu_ms_per_chat",), 1),
    ("slow chats: wall s / x ideal", "slow", ("wall_s", "wall_vs_ideal"), 2),
    (
        "fleet of two: wall s / x ideal / failover added p99 ms",
        "fleet",
        ("wall_s", "wall_vs_ideal", "failover_added_p99_ms"),
        2,
    ),
    (
        "streaming c=1: TTFT added p50 / gap added p99 (ms)",
        "streaming",
        ("c1.ttft_added_p50_ms", "c1.gap_added_p99_ms"),
        1,
    ),
    ("cache hits req/s at c=10", "cache", ("c10.req_per_s",), 1),
    (
        "GET /api/user/me req/s c=10: JWT / API key",
        "auth",
        ("c10.jwt.req_per_s", "c10.api_key.req_per_s"),
        1,
    ),
    ("GET /health req/s c=10", "auth", ("c10.none.req_per_s",), 1),
    ("KB per open stream", "memory", ("per_stream_kb",), 1),
]


@dataclass
class ReportInput:
    command: str
    code: str
    started: datetime
    machine: Machine
    load_start: Load
    load_end: Load
    sizes: Sizes
    quick: bool
    runs: list[SystemRun]
    profile_lines: list[str]
    log_dir: str


# Hand-written reading of the profiles, kept beside the code that produces the numbers.
ANALYSIS_PATH = Path(__file__).with_name("ANALYSIS.md")


def table_md(table: Table) -> list[str]:
    lines = [f"**{table.title}**", "", "| " + " | ".join(table.headers) + " |"]
    lines.append("|" + "|".join("---" for _ in table.headers) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in table.rows]
    lines += ["", *[f"_{note}_" for note in table.notes]]
    return [*lines, ""] if table.notes else lines


def scenario_md(result: ScenarioResult, level: str = "###") -> list[str]:
    lines = [f"{level} {result.title}", ""]
    if result.skipped:
        return [*lines, f"Not measured — {result.skipped}", ""]
    lines += [result.description, ""]
    for table in result.tables:
        lines += table_md(table)
    if result.errors:
        shown = ", ".join(f"{kind} x {count}" for kind, count in sorted(result.errors.items()))
        lines += [f"Errors: {shown}", ""]
    return lines


def key_numbers_md(runs: list[SystemRun]) -> list[str]:
    headers = ["", *(f"{run.label}" for run in runs)]
    rows = []
    for label, scenario, metrics, digits in KEY_NUMBERS:
        row = [label]
        for run in runs:
            result = run.results.get(scenario)
            values = [None if result is None else result.metrics.get(m) for m in metrics]
            row.append(" / ".join(fmt(v, digits) for v in values))
        rows.append(row)
    return table_md(Table("Key numbers", headers, rows))


def header_md(data: ReportInput) -> list[str]:
    m = data.machine
    mode = "quick, smoke-sized: the numbers mean nothing" if data.quick else "full run"
    return [
        "# Benchmarks",
        "",
        "Written by `python -m bench` (`make bench`); regenerate rather than edit. How the "
        "harness works is in `bench/__init__.py` and the module docstrings; the method is "
        "summarised at the end of this page.",
        "",
        f"- Date: {data.started:%Y-%m-%d %H:%M %Z}".rstrip(),
        f"- Command: `{data.command}` ({mode})",
        f"- Code: {data.code}",
        f"- Machine: {m.cpu}, {m.cores} cores, {m.ram_gb:.0f} GiB RAM, {m.system}, "
        f"Python {m.python}, nginx {m.nginx or 'not installed'}",
        f"- Load at start: {data.load_start}; at end: {data.load_end}",
        "- Everything runs on this one machine: load generator, Ollama test server, "
        "gateway process(es), nginx, PostgreSQL and Redis share its cores, so the numbers "
        "include that contention (and any other work on the machine at the time).",
        f"- Logs of this run: `{data.log_dir}`",
        "",
    ]


def method_md() -> list[str]:
    return [
        "## Method",
        "",
        "Run it with `make bench` (services, then `python -m bench $(BENCH_ARGS)`). Options: "
        "`--quick` (a few requests per scenario, < 1 min), `--output PATH`, `--only "
        "chat,slow,streaming,cache,auth,memory`, `--runs single,nginx`, `--profile` (chat at "
        "c=10 under pyinstrument, then under py-spy for CPU; HTML, text summaries, session and "
        "folded stacks in `bench/profiles/`). For comparing two checkouts' CPU per request: "
        "`python -m bench.inprocess` (the application called in process; bench/inprocess.py).",
        "",
        "- System under test: Daphne with DEBUG=0, fresh secrets, JSON access logs at INFO, "
        "its own PostgreSQL database (`gw_bench_run`, migrated) and Redis index (11); the "
        "bench user's `quota_per_minute` is raised so quota never interferes; authenticated "
        "with an API key unless stated. Redis is flushed before each scenario.",
        "- Ollama: `bench.ollama_stub` (the project's Ollama test server on a loopback port, "
        "restarted per scenario with its latency/chunk settings); the classifier is answered "
        "`general`/`simple`, so every chat makes exactly two LLM calls.",
        "- Direct: the same two calls (the request bodies the gateway sent, captured by the "
        "stub, with the query replaced) made back to back with httpx against the stub, at "
        "the same concurrency, in the same run: warm-up, then gateway and direct blocks "
        "alternate. Overhead = gateway - direct at the same percentile; ratio = p50 / p50.",
        "- Load generator (`bench.loadgen`): closed loop, N workers each sending its next "
        "request when the previous one finished; every loop is bounded in count and time.",
        "- CPU per request: user + system CPU time of the gateway process(es) (psutil) over "
        "the measured gateway blocks ÷ successful requests.",
        "- Behind nginx: the shipped `nginx/nginx.conf` rendered by the nginx test harness; "
        "the load generator spreads its connections over 250 loopback source addresses "
        "(127.0.0.2-251), because the 10 r/s-per-address limit is meant for clients, not "
        "for one load generator.",
        "",
    ]


def render(data: ReportInput) -> str:
    lines = header_md(data)
    if data.runs:
        lines += ["## Targets", ""]
        headers = ["target", "limit"]
        for run in data.runs:
            headers += [f"{run.label}", "verdict"]
        rows = []
        for target in targets(data.sizes):
            row = target.row(data.runs[0].results)[:2]
            for run in data.runs:
                row += target.row(run.results)[2:]
            rows.append(row)
        lines += table_md(Table("Targets", headers, rows))
        lines += [REFERENCE, ""]
        if ANALYSIS_PATH.is_file():
            lines += [ANALYSIS_PATH.read_text().rstrip(), ""]
    if data.runs:
        lines += ["## Key numbers", "", *key_numbers_md(data.runs)]
    for run in data.runs:
        lines += [f"## {run.label} ({run.seconds:.0f} s)", ""]
        for result in run.results.values():
            lines += scenario_md(result)
    if data.profile_lines:
        lines += ["## Profile", "", *data.profile_lines, ""]
    lines += method_md()
    return "\n".join(lines).rstrip() + "\n"
