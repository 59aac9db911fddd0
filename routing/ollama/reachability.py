"""Tell the operator when Ollama cannot be reached, naming its URL and the error.

A warning at start-up (llmgateway/asgi.py probes in the background, so start-up never
waits for it), another on the first failed call, then at most one a minute with the
number of failures since, so an outage is visible in the logs without flooding them.
Ollama answering with an error (a missing model, a runner crash) is not "unreachable"
and is left to the caller's own handling.
"""

from __future__ import annotations

import logging
import threading
import time

import httpx

logger = logging.getLogger("routing.ollama")

REPEAT_SECONDS = 60.0
PROBE_TIMEOUT_SECONDS = 3.0

# Connection refused, DNS failures, timeouts, dropped connections: nothing usable came back.
_UNREACHABLE = (httpx.TransportError, ConnectionError, TimeoutError)

_lock = threading.Lock()
_last_warning: float | None = None
_suppressed = 0


def is_unreachable_error(exc: BaseException) -> bool:
    return isinstance(exc, _UNREACHABLE)


def report_unreachable(exc: BaseException, *, url: str | None = None) -> None:
    """Warn that Ollama at `url` (default: every configured backend) failed with `exc`;
    repeats within a minute are only counted."""
    global _last_warning, _suppressed
    if not is_unreachable_error(exc):
        return
    now = time.monotonic()
    with _lock:
        if _last_warning is not None and now - _last_warning < REPEAT_SECONDS:
            _suppressed += 1
            return
        since, _suppressed, _last_warning = _suppressed, 0, now
    where = url or configured()
    more = f" ({since} more failures since the last warning)" if since else ""
    logger.warning(
        "Ollama at %s is unreachable: %s%s",
        where,
        _describe(exc),
        more,
        extra={"ollama_url": where, "error": _describe(exc), "failures_since": since},
    )


def configured() -> str:
    """The configured backend URLs, as the operator wrote them (OLLAMA_URLS or OLLAMA_URL)."""
    from routing.ollama.fleet import configured_urls  # the fleet imports the chat clients

    return ", ".join(configured_urls())


def reset() -> None:
    """Forget past warnings (tests)."""
    global _last_warning, _suppressed
    with _lock:
        _last_warning, _suppressed = None, 0


def probe_at_startup(url: str) -> bool:
    """Ask Ollama for its version once; warn (not rate-limited) if it cannot be reached."""
    try:
        response = httpx.get(f"{url}/api/version", timeout=PROBE_TIMEOUT_SECONDS)
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        logger.warning("Ollama at %s answered %s at start-up", url, exc.response.status_code)
        return False
    except httpx.HTTPError as exc:
        logger.warning(
            "Ollama at %s is unreachable at start-up: %s; chats will answer 503 "
            "llm_unavailable until it is (set OLLAMA_URL, or run `make fake-ollama`)",
            url,
            _describe(exc),
            extra={"ollama_url": url, "error": _describe(exc)},
        )
        return False
    logger.info("Ollama at %s answers (version %s)", url, response.json().get("version", "?"))
    return True


def probe_in_background() -> None:
    """Probe every configured backend once, on a thread: start-up never waits for it."""
    from routing.ollama.fleet import configured_urls

    for url in configured_urls():
        threading.Thread(
            target=probe_at_startup, args=(url,), name="ollama-probe", daemon=True
        ).start()


def _describe(exc: BaseException) -> str:
    """The error and, when the client wrapped it, its root cause (the refused connection)."""
    text = f"{type(exc).__name__}: {_text(exc)}"
    root = exc
    while root.__cause__ or root.__context__:
        root = root.__cause__ or root.__context__
    if root is not exc:
        text += f" (caused by {type(root).__name__}: {_text(root)})"
    return text


def _text(exc: BaseException) -> str:
    return str(exc) or ("no answer in time" if isinstance(exc, TimeoutError) else "no details")
