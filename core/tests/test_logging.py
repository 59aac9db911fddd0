"""The log configuration an operator meets: web-search libraries quiet, no URL queries."""

from __future__ import annotations

import json
import logging

import pytest

from core.logging import JsonFormatter, redact_url_queries

SECRET_QUERY = "my+neighbours+medical+records"


def _console_handler() -> logging.Handler:
    return next(h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter))


def _render(logger_name: str, level: int, message: str, *args, exc_info=None) -> dict | None:
    """What the configured console handler writes for this record (None: not written)."""
    logger = logging.getLogger(logger_name)
    if not logger.isEnabledFor(level):
        return None
    record = logger.makeRecord(logger_name, level, __file__, 1, message, args, exc_info)
    handler = _console_handler()
    if not handler.filter(record):
        return None
    return json.loads(handler.format(record))


@pytest.mark.parametrize("name", ["ddgs", "ddgs.ddgs", "primp", "httpx", "httpcore"])
def test_web_search_and_http_libraries_say_nothing_at_info(name):
    line = _render(name, logging.INFO, "Error in engine %s: %r", "bing", "https://x/?q=a")

    assert line is None


def test_a_warning_with_a_search_url_keeps_the_url_but_not_the_query():
    url = f"https://html.duckduckgo.com/html/?q={SECRET_QUERY}&kl=wt-wt"
    line = _render("ddgs.ddgs", logging.WARNING, "Error in engine %s: %s", "duckduckgo", url)

    assert SECRET_QUERY not in json.dumps(line)
    assert "https://html.duckduckgo.com/html/" in line["message"]


def test_a_traceback_with_a_search_url_loses_the_query():
    try:
        raise ConnectionError(f"GET https://www.bing.com/search?q={SECRET_QUERY} failed")
    except ConnectionError:
        import sys

        line = _render("routing.agent", logging.ERROR, "search failed", exc_info=sys.exc_info())

    assert SECRET_QUERY not in json.dumps(line)
    assert "https://www.bing.com/search?" in line["exc_info"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET https://a.example/s?q=x y", "GET https://a.example/s?… y"),
        ("see http://b.example/p#frag.", "see http://b.example/p?…"),
        ("no query https://c.example/path", "no query https://c.example/path"),
        ("'https://d.example/?q=1'", "'https://d.example/?…'"),
    ],
)
def test_it_redacts_only_the_query(text, expected):
    assert redact_url_queries(text) == expected
