"""`python -m ollama_testserver --port 11434`: serve until interrupted.

For benchmarks and manual runs: every chat waits `--latency` seconds before its first chunk
and streams `--chunks` pieces `--chunk-interval` seconds apart. The request log is capped
so a long benchmark does not grow memory. Each request is logged on stdout (`--quiet`: not),
classifier calls marked, so a newcomer sees which chats needed the LLM classifier.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .catalog import DEFAULT_MODELS
from .server import OllamaTestServer

_RECORDED_REQUESTS_CAP = 1000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ollama_testserver")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--latency", type=float, default=0.0, help="first-token delay (s)")
    parser.add_argument("--chunks", type=int, default=None, help="chunks per answer")
    parser.add_argument("--chunk-interval", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument(
        "--models", default=",".join(DEFAULT_MODELS), help="comma-separated model names"
    )
    parser.add_argument("--quiet", action="store_true", help="no request log on stdout")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not args.quiet:
        # The request log: one line per call, and the classifier's verdicts.
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    server = OllamaTestServer(
        models=[name.strip() for name in args.models.split(",") if name.strip()],
        host=args.host,
        port=args.port,
        latency=args.latency,
        chunks=args.chunks,
        chunk_interval=args.chunk_interval,
        max_recorded=_RECORDED_REQUESTS_CAP,
    )
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    server.start()
    print(f"Ollama test server listening on {server.url}", flush=True)
    # A timed wait keeps the main thread responsive to signals.
    while not stopping.wait(0.5):
        pass
    server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
