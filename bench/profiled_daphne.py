"""`python -m bench.profiled_daphne --output BASE -- <daphne args>`: Daphne under pyinstrument.

Profiling is switched by signals so the profile covers only the load, not start-up:
SIGUSR1 starts the profiler, SIGUSR2 stops it and writes BASE.html (pyinstrument's
interactive report), BASE.txt (self time by package and function, then the call tree) and
BASE.pyisession (`pyinstrument --load BASE.pyisession -r text --show-all` re-renders it).

Samples are wall time (pyinstrument's cheap default timer; a CPU-time timer costs a clock
read per Python call and inflated the gateway's CPU per chat fourfold): the loop's waits
show as idle (epoll), and on a busy machine a descheduled frame keeps being charged, at
random points, so busy shares stay roughly proportional to CPU. pyinstrument samples
only the main thread — the event loop, where Daphne, the async views and the agent run;
work in `sync_to_async` threads shows up only as the loop waiting (the bench reports the
per-thread CPU split).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from pyinstrument import Profiler

from bench.profile_summary import summarize

SAMPLE_INTERVAL = 0.001  # seconds


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profiled_daphne")
    parser.add_argument("--output", type=Path, required=True, help="path without suffix")
    parser.add_argument("daphne_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    daphne_args = [a for a in args.daphne_args if a != "--"]
    profiler = Profiler(interval=SAMPLE_INTERVAL, async_mode="disabled")

    def start(*_: object) -> None:
        if not profiler.is_running:
            profiler.start()

    def stop(*_: object) -> None:
        if not profiler.is_running:
            return
        session = profiler.stop()
        if session is None:
            return
        session.save(args.output.with_suffix(".pyisession"))
        args.output.with_suffix(".txt").write_text(
            summarize(session)
            + "\nCall tree:\n"
            + profiler.output_text(unicode=True, color=False, show_all=False)
        )
        html = args.output.with_suffix(".html")
        tmp = html.with_suffix(".html.tmp")
        tmp.write_text(profiler.output_html())
        tmp.replace(html)  # the bench waits for this file

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)

    from daphne.cli import CommandLineInterface

    sys.argv = ["daphne", *daphne_args]
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
