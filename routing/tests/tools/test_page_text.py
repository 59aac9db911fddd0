"""Text extraction from fetched pages, including hostile HTML."""

from __future__ import annotations

import time

import pytest

from routing.agent.tools.page_text import extract_text


def test_it_keeps_the_words_and_drops_the_code():
    title, text = extract_text(
        "<html><head><title>The  Title</title><style>p { color: red }</style>"
        "<script>steal()</script></head><body><h1>Heading</h1>"
        "<p>First   paragraph &amp; <b>more</b>.</p><!-- hidden --><noscript>enable js</noscript>"
        "<svg><title>icon</title></svg><ul><li>one</li><li>two</li></ul></body></html>"
    )
    assert title == "The Title"
    assert text == "Heading\nFirst paragraph & more.\none\ntwo"


def test_it_reads_a_page_that_omits_closing_tags():
    title, text = extract_text("<title>T</title><meta charset=utf-8><p>One<p>Two")
    assert (title, text) == ("T", "One\nTwo")


def test_it_reads_a_page_with_an_xml_declaration():
    document = '<?xml version="1.0" encoding="latin-1"?><html><p>Gr\u00fc\u00dfe</p></html>'
    assert extract_text(document) == ("", "Gr\u00fc\u00dfe")


def test_it_collapses_plain_text():
    assert extract_text("  a   b \n\n\n c\t", "text/plain") == ("", "a b\nc")


@pytest.mark.parametrize("document", ["", "   ", "<!---->"])
def test_it_returns_nothing_for_empty_pages(document):
    assert extract_text(document) == ("", "")


HOSTILE = {
    "unclosed comments": "<!--" * 250_000,
    "unclosed tags": "<a " * 300_000,
    "unclosed CDATA": "<![CDATA[" * 100_000,
    "one huge tag": "<p " + "a=b " * 250_000 + ">",
    "deep nesting": "<div>" * 200_000,
    "bare angle brackets": "<" * 1_000_000,
}


@pytest.mark.parametrize("document", HOSTILE.values(), ids=list(HOSTILE))
def test_it_parses_a_megabyte_of_hostile_html_in_linear_time(document):
    # CPython 3.11's html.parser needs minutes for some of these; the bound is loose.
    started = time.perf_counter()
    extract_text(document)
    assert time.perf_counter() - started < 2
