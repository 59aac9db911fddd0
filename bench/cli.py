"""The command line: set up the system under test, run the scenarios, write the report.

python -m bench                      # full run: one Daphne, then two behind nginx
python -m bench --quick --output /tmp/b.md   # smoke-sized, < 60 s
python -m bench --profile            # also profile chat at c=10 (bench/profiles/)
python -m bench --profile passthrough  # ... or the explicit-model /v1 call (also: cache,
                                       # streaming, health)
python -m bench --only chat,auth --no-nginx
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shlex
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from bench.config import FULL, QUICK, Sizes
from bench.gateway import Credentials, Infra, ensure_database, migrate, provision, start_gateway
from bench.machine import Load, Machine, code_version
from bench.procs import BASE_DIR
from bench.profiling import PROFILED, profile_call
from bench.report import ReportInput, render
from bench.runner import SystemRun, run_scenarios
from bench.scenarios import ALL
from bench.scenarios.base import Context
from bench.stub import Stub, StubSettings

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gw_bench_run"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
NGINX_SOURCE_ADDRESSES = 250


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few requests per scenario")
    parser.add_argument("--output", type=Path, default=BASE_DIR / "docs" / "BENCHMARKS.md")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="chat",
        choices=sorted(PROFILED),
        help="profile one call at c=10: chat (the default), cache (a hit), streaming (SSE), "
        "passthrough or health",
    )
    parser.add_argument(
        "--runs",
        default=None,
        help="systems to measure, comma-separated: single (one Daphne), nginx (two behind "
        "nginx); default single,nginx (with --quick: single)",
    )
    parser.add_argument("--only", default="", help="comma-separated scenario keys")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    args = parser.parse_args(argv)
    args.run_set = set((args.runs or ("single" if args.quick else "single,nginx")).split(","))
    if not args.run_set <= {"single", "nginx"}:
        parser.error("--runs: choose from single, nginx")
    known = {module.KEY for module in ALL}
    args.only_set = {key.strip() for key in args.only.split(",") if key.strip()} or None
    if args.only_set and not args.only_set <= known:
        parser.error(
            f"--only: unknown scenario(s) {sorted(args.only_set - known)}; {sorted(known)}"
        )
    return args


def log(message: str) -> None:
    print(f"{datetime.now():%H:%M:%S} {message}", flush=True)


def nginx_available() -> bool:
    from bench.nginx_harness import NGINX

    return NGINX is not None


@dataclasses.dataclass
class Bench:
    """One invocation: shared infrastructure plus the runs made so far."""

    args: argparse.Namespace
    sizes: Sizes
    infra: Infra
    creds: Credentials
    stub: Stub
    log_dir: Path

    def context(self, gateways, url: str, source_addresses: int = 0) -> Context:
        return Context(
            self.sizes,
            self.infra,
            self.creds,
            gateways,
            url,
            source_addresses,
            self.stub,
            self.log_dir,
        )

    async def single(self) -> SystemRun:
        gateway = start_gateway(self.infra, self.stub.url, self.log_dir, name="daphne-single")
        try:
            ctx = self.context([gateway], gateway.url)
            return await run_scenarios(ctx, "one Daphne process", self.args.only_set, log=log)
        finally:
            gateway.child.stop()

    async def behind_nginx(self) -> SystemRun:
        from bench.nginx_harness import start_nginx

        gateways = [
            start_gateway(self.infra, self.stub.url, self.log_dir, name=f"daphne-nginx-{i}")
            for i in (1, 2)
        ]
        workdir = self.log_dir / "nginx"
        workdir.mkdir(exist_ok=True)
        nginx = None
        try:
            nginx = start_nginx([g.url for g in gateways], workdir)
            ctx = self.context(gateways, nginx.url, NGINX_SOURCE_ADDRESSES)
            label = "two Daphne processes behind nginx"
            return await run_scenarios(ctx, label, self.args.only_set, log=log)
        finally:
            if nginx is not None:
                nginx.stop()
            for gateway in gateways:
                gateway.child.stop()

    async def profile(self) -> list[str]:
        requests = 40 if self.args.quick else 600
        log(f"profiling {self.args.profile} at c=10 ({requests} requests) ...")
        ctx = self.context([], "")
        return await profile_call(ctx, self.infra, requests, self.log_dir, self.args.profile)


async def bench(args: argparse.Namespace) -> int:
    started = datetime.now().astimezone()
    sizes = QUICK if args.quick else FULL
    machine, load_start = Machine.detect(), Load.now()
    code = code_version(str(BASE_DIR))  # at the start: others may commit during the run
    log(f"machine: {machine.cpu}, {machine.cores} cores; {load_start}")
    log_dir = Path(tempfile.mkdtemp(prefix="llmgw-bench-"))
    log(f"logs: {log_dir}")
    infra = Infra.create(args.database_url, args.redis_url)
    ensure_database(infra.database_url)
    migrate(infra, log_dir)
    creds = provision(infra)
    stub = Stub(log_dir)
    runs: list[SystemRun] = []
    profile_lines: list[str] = []
    try:
        stub.configure(StubSettings())
        session = Bench(args, sizes, infra, creds, stub, log_dir)
        if "single" in args.run_set:
            runs.append(await session.single())
        if "nginx" in args.run_set and nginx_available():
            runs.append(await session.behind_nginx())
        elif "nginx" in args.run_set:
            log("nginx is not installed: the two-process run is skipped")
        if args.profile:
            profile_lines = await session.profile()
    finally:
        stub.stop()
    command = "python -m bench " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "python -m bench"
    report = ReportInput(
        command=command.strip(),
        code=code,
        started=started,
        machine=machine,
        load_start=load_start,
        load_end=Load.now(),
        sizes=sizes,
        quick=args.quick,
        runs=runs,
        profile_lines=profile_lines,
        log_dir=str(log_dir),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(report))
    log(f"report written to {args.output}")
    return 0


def main(argv: list[str] | None = None) -> None:
    sys.exit(asyncio.run(bench(parse_args(argv))))
