"""Web search: normalised and deduplicated hits, both searches at once, failures contained."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

from routing.agent.tools import web_search as web_search_module
from routing.agent.tools.web_search import (
    DdgsBackend,
    SearchHit,
    SearchUnavailable,
    normalise_hit,
    web_search,
)


async def test_it_returns_the_fake_backends_default_hits(fake_search):
    hits = await web_search("django")
    assert hits == [
        SearchHit(
            "Example Domain",
            "https://example.com/",
            "This domain is for use in illustrative examples in documents.",
        ),
        SearchHit(
            "Example news article",
            "https://example.com/news/1",
            "A deterministic second result for tests.",
        ),
    ]
    assert sorted(fake_search.calls) == [("news", "django", 5), ("text", "django", 5)]


@pytest.mark.parametrize(
    ("raw", "hit"),
    [
        (
            {"title": "T", "href": "https://a.example/x", "body": "text   body"},
            SearchHit("T", "https://a.example/x", "text body"),
        ),
        (
            {"title": "N", "url": "https://n.example/1", "body": "news", "source": "Wire"},
            SearchHit("N", "https://n.example/1", "news"),
        ),
        (
            {"title": "E", "url": "https://e.example/", "excerpt": "an excerpt"},
            SearchHit("E", "https://e.example/", "an excerpt"),
        ),
        ({"href": "https://t.example/"}, SearchHit("https://t.example/", "https://t.example/", "")),
        ({"title": "no url", "body": "b"}, None),
        ({"title": "js", "href": "javascript:alert(1)"}, None),
        ("not a dict", None),
    ],
)
def test_it_normalises_the_shapes_ddgs_returns(raw, hit):
    assert normalise_hit(raw) == hit


async def test_it_deduplicates_by_url_and_interleaves_text_and_news(fake_search):
    fake_search.text_results = [
        {"title": "Same", "href": "https://Example.com/a/"},
        {"title": "T2", "href": "https://example.com/t2"},
        {"title": "T3", "href": "https://example.com/t3"},
    ]
    fake_search.news_results = [
        {"title": "Same again", "url": "https://example.com/a#top"},
        {"title": "N2", "url": "https://example.com/n2"},
    ]
    hits = await web_search("q", max_results=4)
    assert [hit.title for hit in hits] == ["Same", "T2", "N2", "T3"]


async def test_it_runs_text_and_news_at_the_same_time(fake_search):
    # Each search waits for the other: run one after the other, the barrier would break.
    barrier = threading.Barrier(2, timeout=5)
    fake_search.before_call = lambda kind, query: barrier.wait()
    fake_search.news_results = [{"title": "News", "url": "https://example.com/news/2"}]
    hits = await web_search("q")
    assert "News" in [hit.title for hit in hits]
    assert not barrier.broken


@pytest.fixture
async def stuck(fake_search):
    """Make the named searches hang until the test ends (async: released before the loop
    closes, which waits for its worker threads)."""
    release = threading.Event()
    kinds: set[str] = set()

    def hang(kind: str, query: str) -> None:
        if kind in kinds:
            release.wait(10)

    fake_search.before_call = hang
    yield kinds
    release.set()


async def test_it_raises_search_unavailable_on_timeout(fake_search, stuck, settings):
    settings.WEB_SEARCH_TIMEOUT = 0.1
    stuck.update({"text", "news"})
    with pytest.raises(SearchUnavailable, match="timed out"):
        await web_search("q")


async def test_it_returns_what_one_search_found_when_the_other_times_out(
    fake_search, stuck, settings
):
    settings.WEB_SEARCH_TIMEOUT = 0.1
    stuck.add("news")
    hits = await web_search("q")
    assert [hit.url for hit in hits] == ["https://example.com/", "https://example.com/news/1"]


@pytest.mark.parametrize(
    "error",
    [
        RatelimitException("202 Ratelimit"),
        TimeoutException("timed out"),
        DDGSException("boom"),
        ConnectionError("network is unreachable"),
        socket.gaierror("no DNS"),
        RuntimeError("a scraper bug"),
    ],
)
async def test_it_turns_backend_errors_into_search_unavailable(fake_search, error):
    fake_search.error = error
    with pytest.raises(SearchUnavailable):
        await web_search("q")


async def test_it_reports_a_misconfigured_backend_as_unavailable(settings):
    settings.WEB_SEARCH_BACKEND = "routing.tests.fakes.NoSuchBackend"
    with pytest.raises(SearchUnavailable, match="misconfigured"):
        await web_search("q")


async def test_it_does_not_search_for_nothing(fake_search):
    assert await web_search("   ") == []
    assert fake_search.calls == []


class _ScriptedDdgs:
    error: Exception | None = None

    def __init__(self, timeout: int) -> None:
        self.timeout = timeout

    def text(self, query: str, max_results: int) -> list[dict]:
        if _ScriptedDdgs.error:
            raise _ScriptedDdgs.error
        return [{"title": "T", "href": "https://example.com/", "body": "b"}]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (RatelimitException("202"), "text search was rate limited"),
        (TimeoutException("slow"), "text search timed out"),
        (DDGSException("ConnectError: refused"), "text search failed"),
    ],
)
def test_ddgs_backend_translates_ddgs_errors(monkeypatch, error, message):
    monkeypatch.setattr(web_search_module, "DDGS", _ScriptedDdgs)
    monkeypatch.setattr(_ScriptedDdgs, "error", error)
    with pytest.raises(SearchUnavailable, match=f"^{message}$"):
        DdgsBackend().text("q", 5)


def test_ddgs_backend_treats_no_results_as_an_empty_list(monkeypatch):
    monkeypatch.setattr(web_search_module, "DDGS", _ScriptedDdgs)
    monkeypatch.setattr(_ScriptedDdgs, "error", DDGSException("No results found."))
    assert DdgsBackend().text("q", 5) == []


async def test_real_ddgs_backend_without_network_is_unavailable_quickly(settings, monkeypatch):
    # The real library and HTTP client, through a proxy port nobody listens on: the
    # network is "down" here even on a machine with internet access.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("DDGS_PROXY", f"http://127.0.0.1:{closed_port}")
    settings.WEB_SEARCH_BACKEND = "routing.agent.tools.web_search.DdgsBackend"
    settings.WEB_SEARCH_TIMEOUT = 3
    started = time.monotonic()
    with pytest.raises(SearchUnavailable):
        await web_search("llm gateway")
    assert time.monotonic() - started < 4
