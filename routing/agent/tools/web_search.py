"""Web search for the agent: news and text results at once, bounded by WEB_SEARCH_TIMEOUT.

The backend is the class named by `settings.WEB_SEARCH_BACKEND` (`DdgsBackend` in
production, a fake in tests). Its blocking calls run on a pool of their own
(`SEARCH_THREADS`), not the loop's default executor that DNS lookups (url_guard) and HTML
parsing (url_fetch) share: searches neither starve them nor queue behind them, so
WEB_SEARCH_TIMEOUT measures the search. Search is best effort (SPEC section 8): every
failure — no network, rate limit, timeout, a scraping library error — surfaces as
`SearchUnavailable`, so the agent can say live results were unavailable. Hits are
normalised and merged in `search_hits.py`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from ddgs import DDGS
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException
from django.conf import settings
from django.utils.module_loading import import_string

from routing.agent.tools.search_hits import SearchHit, merge_hits, normalise_hit

__all__ = ["DdgsBackend", "SearchHit", "SearchUnavailable", "normalise_hit", "web_search"]

logger = logging.getLogger(__name__)

# Two per search (text and news): four searches at once before any waits for a thread.
SEARCH_THREADS = 8
# ddgs's own message when every engine answered but none found anything.
_DDGS_NO_RESULTS = "No results found."
# Threads start on demand; a search stuck past its timeout holds one until ddgs gives up.
_executor = ThreadPoolExecutor(max_workers=SEARCH_THREADS, thread_name_prefix="web-search")
_clients = threading.local()


class SearchUnavailable(Exception):
    """Live search could not answer: no network, rate limited, timed out or failed."""


class SearchBackend(Protocol):
    """A synchronous search client; `web_search` runs it in threads."""

    def text(self, query: str, max_results: int) -> list[dict[str, Any]]: ...

    def news(self, query: str, max_results: int) -> list[dict[str, Any]]: ...


class DdgsBackend:
    """DuckDuckGo and friends through the `ddgs` metasearch library."""

    def __init__(self) -> None:
        # ddgs wants whole seconds; its own timeout keeps a stuck thread from living long.
        self._timeout = max(1, math.ceil(settings.WEB_SEARCH_TIMEOUT))

    def text(self, query: str, max_results: int) -> list[dict[str, Any]]:
        return self._search("text", query, max_results)

    def news(self, query: str, max_results: int) -> list[dict[str, Any]]:
        return self._search("news", query, max_results)

    def _client(self) -> DDGS:
        """This thread's DDGS: its engines keep their HTTP sessions from search to search.
        Rebuilt when what it was built from changes: the class (tests swap it), the
        timeout, ddgs's proxy variable."""
        key = (DDGS, self._timeout, os.environ.get("DDGS_PROXY"))
        if getattr(_clients, "key", None) != key:
            _clients.ddgs, _clients.key = DDGS(timeout=self._timeout), key
        return _clients.ddgs

    def _search(self, kind: str, query: str, max_results: int) -> list[dict[str, Any]]:
        try:
            return getattr(self._client(), kind)(query, max_results=max_results)
        except RatelimitException as exc:
            raise SearchUnavailable(f"{kind} search was rate limited") from exc
        except TimeoutException as exc:
            raise SearchUnavailable(f"{kind} search timed out") from exc
        except DDGSException as exc:
            if str(exc) == _DDGS_NO_RESULTS:
                return []
            # Details (DNS, connection refused, ...) go to the log, not into the prompt.
            raise SearchUnavailable(f"{kind} search failed") from exc


async def web_search(query: str, *, max_results: int = 5) -> list[SearchHit]:
    """Search news and the web concurrently; return up to `max_results` hits, unique by URL.

    Raises SearchUnavailable when neither search answered within WEB_SEARCH_TIMEOUT; one
    answering is enough (its hits are returned alone).
    """
    query = " ".join(str(query).split())
    if not query or max_results < 1:
        return []
    backend = _backend()
    loop = asyncio.get_running_loop()
    tasks = {
        kind: loop.run_in_executor(
            _executor, functools.partial(getattr(backend, kind), query, max_results)
        )
        for kind in ("text", "news")
    }
    try:
        await asyncio.wait(tasks.values(), timeout=settings.WEB_SEARCH_TIMEOUT)
    finally:
        # A thread cannot be interrupted; it finishes on its own and its answer is dropped.
        for task in tasks.values():
            task.cancel()
    answers, problems = _collect(tasks)
    if not answers:
        raise SearchUnavailable("; ".join(dict.fromkeys(problems)))  # unique, in order
    return merge_hits(answers.get("text", []), answers.get("news", []), max_results)


def _backend() -> SearchBackend:
    try:
        backend_class = import_string(settings.WEB_SEARCH_BACKEND)
    except ImportError as exc:
        logger.error("WEB_SEARCH_BACKEND %r cannot be imported", settings.WEB_SEARCH_BACKEND)
        raise SearchUnavailable("the search backend is misconfigured") from exc
    return backend_class()


def _collect(tasks: Mapping[str, asyncio.Future]) -> tuple[dict[str, list], list[str]]:
    answers: dict[str, list] = {}
    problems: list[str] = []
    for kind, task in tasks.items():
        if not task.done() or task.cancelled():  # cancelled just now, at the timeout
            problems.append(f"{kind} search timed out")
        elif (error := task.exception()) is not None:
            # Whatever a scraping library raises, search stays best effort: log and go on.
            logger.warning("%s search failed: %r", kind, error.__cause__ or error)
            problems.append(
                str(error) if isinstance(error, SearchUnavailable) else f"{kind} search failed"
            )
        else:
            answers[kind] = task.result()
    return answers, problems
