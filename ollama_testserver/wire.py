"""Go-shaped wire output: compact JSON, RFC3339Nano timestamps and gin-style responses.

The real server is Go + gin, so clients see `encoding/json` output: no spaces, keys in
struct order (our dicts are built in that order), and `<`, `>`, `&` escaped as \\u003c...
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
NDJSON_CONTENT_TYPE = "application/x-ndjson"

# Go's encoder escapes these even inside strings (HTML safety and JS line separators).
_GO_ESCAPES = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def go_json(obj: Any) -> bytes:
    """Encode like Go's json.Marshal: compact, raw UTF-8, HTML characters escaped.

    The blanket translate is safe because `<>&` can only occur inside JSON strings.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_GO_ESCAPES).encode("utf-8")


def ndjson_line(obj: Any) -> bytes:
    """One streaming line, as `json.Marshal(obj) + "\\n"`."""
    return go_json(obj) + b"\n"


def _fraction(ns: int) -> str:
    # RFC3339Nano trims trailing zeros and drops the dot when nothing is left.
    digits = f"{ns % 1_000_000_000:09d}".rstrip("0")
    return f".{digits}" if digits else ""


def utc_timestamp(ns: int | None = None) -> str:
    """`time.Now().UTC()` formatted as RFC3339Nano, e.g. `2025-07-07T20:22:19.19314Z`."""
    ns = time.time_ns() if ns is None else ns
    moment = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}{_fraction(ns)}Z"


def local_timestamp(ns: int | None = None) -> str:
    """A local-time RFC3339Nano timestamp with its offset, as in `modified_at`/`expires_at`."""
    ns = time.time_ns() if ns is None else ns
    moment = datetime.fromtimestamp(ns // 1_000_000_000).astimezone()
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if minutes == 0:
        zone = "Z"
    else:
        sign = "+" if minutes > 0 else "-"
        zone = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}{_fraction(ns)}{zone}"


def json_response(obj: Any, status: int = 200) -> web.Response:
    """gin's `c.JSON`: charset in the content type and no trailing newline."""
    return web.Response(
        status=status, body=go_json(obj), headers={"Content-Type": JSON_CONTENT_TYPE}
    )


def error_response(status: int, message: str) -> web.Response:
    """The `{"error": "..."}` body every Ollama error uses."""
    return json_response({"error": message}, status=status)


def plain_text(status: int, text: str, content_type: str = "text/plain") -> web.Response:
    """gin's own 404/405 bodies are bare `text/plain` (no charset)."""
    return web.Response(
        status=status, body=text.encode("utf-8"), headers={"Content-Type": content_type}
    )
