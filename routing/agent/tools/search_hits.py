"""Search results as the agent uses them: normalised from ddgs's shapes, merged, unique."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain, zip_longest
from urllib.parse import urlsplit, urlunsplit

MAX_TITLE_CHARS = 300
MAX_SNIPPET_CHARS = 500


@dataclass(frozen=True)
class SearchHit:
    """One search result, normalised from whatever shape the backend returned."""

    title: str
    url: str
    snippet: str


def merge_hits(text: Iterable, news: Iterable, max_results: int) -> list[SearchHit]:
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
