"""Test doubles for outside systems: a scriptable web search backend and its fixture.

`FakeSearchBackend` is what WEB_SEARCH_BACKEND names in tests. Its state is class-level,
because `web_search` builds a fresh backend per call; the `fake_search` fixture resets it
around each test and hands the class over for scripting:

    def test_it_cites_sources(fake_search):
        fake_search.text_results = [{"title": "T", "href": "https://example.com/t", "body": "B"}]
        fake_search.error = SearchUnavailable("rate limited")   # or any exception
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

DEFAULT_TEXT_RESULTS: list[dict[str, Any]] = [
    {
        "title": "Example Domain",
        "href": "https://example.com/",
        "body": "This domain is for use in illustrative examples in documents.",
    },
    {
        "title": "Example news article",
        "href": "https://example.com/news/1",
        "body": "A deterministic second result for tests.",
    },
]


class FakeSearchBackend:
    """A search backend with class-level, scriptable answers (ddgs dict shapes)."""

    text_results: list[dict[str, Any]] = copy.deepcopy(DEFAULT_TEXT_RESULTS)
    news_results: list[dict[str, Any]] = []
    # An exception instance raised by both searches when set.
    error: BaseException | None = None
    # Called as before_call(kind, query) in the search thread: block, count, raise.
    before_call: Callable[[str, str], None] | None = None
    calls: list[tuple[str, str, int]] = []

    @classmethod
    def reset(cls) -> None:
        """Back to two deterministic text hits on example.com, no news, no error."""
        cls.text_results = copy.deepcopy(DEFAULT_TEXT_RESULTS)
        cls.news_results = []
        cls.error = None
        cls.before_call = None
        cls.calls = []

    def text(self, query: str, max_results: int) -> list[dict[str, Any]]:
        return self._answer("text", query, max_results, type(self).text_results)

    def news(self, query: str, max_results: int) -> list[dict[str, Any]]:
        return self._answer("news", query, max_results, type(self).news_results)

    def _answer(
        self, kind: str, query: str, max_results: int, results: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        cls = type(self)
        cls.calls.append((kind, query, max_results))
        if cls.before_call is not None:
            cls.before_call(kind, query)
        if cls.error is not None:
            raise cls.error
        return copy.deepcopy(results[:max_results])


@pytest.fixture
def fake_search(settings) -> Iterator[type[FakeSearchBackend]]:
    """Route web search to FakeSearchBackend, reset before and after the test."""
    settings.WEB_SEARCH_BACKEND = "routing.tests.fakes.FakeSearchBackend"
    FakeSearchBackend.reset()
    yield FakeSearchBackend
    FakeSearchBackend.reset()
