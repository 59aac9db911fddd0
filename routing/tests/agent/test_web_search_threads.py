"""Web search runs on its own threads, apart from the default executor, one DDGS per thread.

(Beside the other web search tests in routing/tests/tools/test_web_search.py.)
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from routing.agent.tools import web_search as web_search_module
from routing.agent.tools.web_search import DdgsBackend, web_search


async def test_it_searches_on_its_own_named_threads(fake_search):
    names: list[str] = []
    fake_search.before_call = lambda kind, query: names.append(threading.current_thread().name)
    await web_search("q")
    assert len(names) == 2
    assert all(name.startswith("web-search") for name in names)


@pytest.fixture
async def busy_default_executor():
    """The loop's default executor (DNS, HTML parsing) with every thread blocked."""
    release = threading.Event()
    executor = ThreadPoolExecutor(max_workers=1)
    loop = asyncio.get_running_loop()
    loop.set_default_executor(executor)
    blocked = loop.run_in_executor(None, release.wait, 10)
    yield
    release.set()
    await blocked


async def test_a_busy_default_executor_does_not_delay_search(
    fake_search, busy_default_executor, settings
):
    settings.WEB_SEARCH_TIMEOUT = 1
    hits = await web_search("q")
    assert [hit.url for hit in hits] == ["https://example.com/", "https://example.com/news/1"]


class _CountingDdgs:
    built: list[tuple[str, int]] = []

    def __init__(self, timeout: int) -> None:
        _CountingDdgs.built.append((threading.current_thread().name, timeout))

    def text(self, query: str, max_results: int) -> list[dict]:
        return [{"title": "T", "href": "https://example.com/", "body": "b"}]

    news = text


def in_a_new_thread(name: str, *calls: tuple[str, str]) -> None:
    """Run DdgsBackend searches (kind, query) one after another on a fresh thread."""

    def search() -> None:
        for kind, query in calls:
            getattr(DdgsBackend(), kind)(query, 5)

    thread = threading.Thread(target=search, name=name)
    thread.start()
    thread.join()


@pytest.fixture
def counting_ddgs(monkeypatch):
    monkeypatch.setattr(web_search_module, "DDGS", _CountingDdgs)
    monkeypatch.setattr(_CountingDdgs, "built", [])
    return _CountingDdgs


def test_ddgs_backend_reuses_one_client_per_thread(counting_ddgs, settings):
    settings.WEB_SEARCH_TIMEOUT = 3
    in_a_new_thread("first", ("text", "q"), ("news", "q"), ("text", "r"))
    in_a_new_thread("second", ("text", "q"))
    assert counting_ddgs.built == [("first", 3), ("second", 3)]


def test_ddgs_backend_builds_a_new_client_when_the_timeout_changes(counting_ddgs, settings):
    def search_with_timeouts() -> None:
        for timeout in (3, 3, 5):
            settings.WEB_SEARCH_TIMEOUT = timeout
            DdgsBackend().text("q", 5)

    thread = threading.Thread(target=search_with_timeouts, name="changing")
    thread.start()
    thread.join()
    assert counting_ddgs.built == [("changing", 3), ("changing", 5)]
