"""Web search for the agent: news and text results at once, bounded by WEB_SEARCH_TIMEOUT.

The backend is the class named by `settings.WEB_SEARCH_BACKEND` (`DdgsBackend` in
production, a fake in tests). Search is best effort (SPEC section 8): every failure —
no network, rate limit, timeout, a scraping library error — surfaces as
`SearchUnavailable`, so the agent can say live results were unavailable.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain, zip_longest
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from ddgs import DDGS
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 300
MAX_SNIPPET_CHARS = 500
# ddgs's own message when every engine answered but none found anything.
_DDGS_NO_RESULTS = "No results found."


@dataclass(frozen=True)
class SearchHit:
    """One search result, normalised from whatever shape the backend returned."""

    title: str
    url: str
    snippet: str


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

    def _search(self, kind: str, query: str, max_results: int) -> list[dict[str, Any]]:
        try:
            return getattr(DDGS(timeout=self._timeout), kind)(query, max_results=max_results)
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
    tasks = {
        kind: asyncio.create_task(asyncio.to_thread(getattr(backend, kind), query, max_results))
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
    return _merge(answers.get("text", []), answers.get("news", []), max_results)


def _backend() -> SearchBackend:
    try:
        backend_class = import_string(settings.WEB_SEARCH_BACKEND)
    except ImportError as exc:
        logger.error("WEB_SEARCH_BACKEND %r cannot be imported", settings.WEB_SEARCH_BACKEND)
        raise SearchUnavailable("the search backend is misconfigured") from exc
    return backend_class()


def _collect(tasks: Mapping[str, asyncio.Task]) -> tuple[dict[str, list], list[str]]:
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


def _merge(text: Iterable, news: Iterable, max_results: int) -> list[SearchHit]:
    """Interleave text and news hits, so both kinds make the cut, dropping repeated URLs."""
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for raw in chain.from_iterable(zip_longest(text, news)):
        hit = normalise_hit(raw)
        if hit is None or (key := _url_key(hit.url)) in seen:
            continue
        seen.add(key)
        hits.append(hit)
        if len(hits) == max_results:
            break
    return hits


def normalise_hit(raw: object) -> SearchHit | None:
    """Build a SearchHit from a ddgs-style dict (text: href/body, news: url/body, ...)."""
    if not isinstance(raw, Mapping):
        return None
    url = _clean(raw.get("href") or raw.get("url") or raw.get("link"))
    if not url.lower().startswith(("http://", "https://")):
        return None
    title = _clean(raw.get("title")) or url
    snippet = _clean(
        raw.get("body") or raw.get("excerpt") or raw.get("snippet") or raw.get("description")
    )
    return SearchHit(title=title[:MAX_TITLE_CHARS], url=url, snippet=snippet[:MAX_SNIPPET_CHARS])


def _clean(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _url_key(url: str) -> str:
    """Compare URLs without case in scheme and host, fragment or trailing slash."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))
