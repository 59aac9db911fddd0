"""The Ollama test server as the benchmark needs it: `python -m bench.ollama_stub --port N`.

It is `ollama_testserver` with two benchmark rules on top:
- the classifier (a request with `format`) is answered with a fixed classification
  (`--intent`, default general/simple), so every chat takes the general path: exactly two
  LLM calls, classifier + answer; `--latency` applies to it, chunk settings do not;
- the answer waits `--latency` s, then streams `--chunks` pieces `--chunk-interval` s apart.
With `--capture FILE` the first classifier and answer request bodies are written to FILE,
so the direct side of the benchmark replays exactly the calls the gateway made.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from typing import Any

from ollama_testserver import OllamaTestServer, Reply, default_answer

_RECORDED_REQUESTS_CAP = 200
_FILLER = " The benchmark pads this answer so it can stream in many small pieces."


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ollama_stub")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0, help="delay before each reply (s)")
    parser.add_argument("--chunks", type=int, default=None, help="answer pieces")
    parser.add_argument("--chunk-interval", type=float, default=0.0, help="s between pieces")
    parser.add_argument("--intent", default="general", help="what the classifier answers")
    parser.add_argument("--capture", type=Path, default=None, help="write request bodies here")
    return parser.parse_args(argv)


class Capture:
    """Keeps the first request body of each kind and writes them all to one JSON file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.bodies: dict[str, Any] = {}
        self._lock = threading.Lock()

    def keep(self, kind: str, body: dict[str, Any]) -> None:
        if self.path is None or kind in self.bodies:
            return
        with self._lock:
            self.bodies[kind] = body
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.bodies))
            tmp.replace(self.path)


def answer_text(body: dict[str, Any], chunks: int | None) -> str:
    """The test server's default answer, padded so `chunks` even pieces are all non-empty."""
    text = default_answer(body)
    while chunks and len(text) < chunks * 4:
        text += _FILLER
    return text


def install_rules(server: OllamaTestServer, args: argparse.Namespace, capture: Capture) -> None:
    classification = json.dumps({"intent": args.intent, "confidence": 0.9, "complexity": "simple"})

    def classify(body: dict[str, Any]) -> Reply:
        capture.keep("classifier", body)
        return Reply(content=classification, first_token_delay=args.latency)

    def answer(body: dict[str, Any]) -> Reply:
        capture.keep("answer", body)
        return Reply(
            content=answer_text(body, args.chunks),
            first_token_delay=args.latency,
            chunk_interval=args.chunk_interval,
            chunk_count=args.chunks,
        )

    server.add_rule(answer, when=lambda body: not body.get("format"))
    server.on_structured(classify)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    server = OllamaTestServer(port=args.port, max_recorded=_RECORDED_REQUESTS_CAP)
    install_rules(server, args, Capture(args.capture))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    server.start()
    print(f"bench Ollama stub listening on {server.url}", flush=True)
    while not stopping.wait(0.5):
        pass
    server.stop()


if __name__ == "__main__":
    main()
