"""The LangChain tools: happy paths, and failures returned as text instead of raised."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from routing.agent.tools import registry as tools
from routing.agent.tools.registry import (
    OFFSET_OUT_OF_RANGE,
    TOOLS,
    calculate,
    get_datetime,
    search_web,
    summarize_url,
)
from routing.agent.tools.url_fetch import PageText, UrlFetchError
from routing.agent.tools.web_search import SearchUnavailable


def tool_call(name: str, args: dict, call_id: str = "call-1") -> dict:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def test_it_exports_the_four_tools_with_descriptions():
    assert [t.name for t in TOOLS] == ["search_web", "calculate", "get_datetime", "summarize_url"]
    assert all(len(t.description) > 40 for t in TOOLS)


async def test_search_web_lists_hits_and_attaches_sources(fake_search):
    message = await search_web.ainvoke(tool_call("search_web", {"query": "example"}))
    assert isinstance(message, ToolMessage)
    assert "1. Example Domain\n   https://example.com/\n" in message.content
    assert "2. Example news article" in message.content
    assert message.artifact == [
        {"title": "Example Domain", "url": "https://example.com/"},
        {"title": "Example news article", "url": "https://example.com/news/1"},
    ]


async def test_search_web_says_when_search_is_unavailable(fake_search):
    fake_search.error = SearchUnavailable("rate limited")
    content = await search_web.ainvoke({"query": "example"})
    assert content == (
        "Search unavailable: live web results could not be retrieved (rate limited)."
    )


async def test_search_web_says_when_nothing_was_found(fake_search):
    fake_search.text_results = []
    assert await search_web.ainvoke({"query": "zzz"}) == "No results found for 'zzz'."


async def test_calculate_answers():
    assert (
        await calculate.ainvoke({"expression": "(3 + 4) * 2 ** 10"}) == "(3 + 4) * 2 ** 10 = 7168"
    )


async def test_calculate_explains_a_refusal():
    content = await calculate.ainvoke({"expression": "9**9**9"})
    assert content == "Error: cannot calculate '9**9**9': the result is too large."


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(tools, "_now", lambda: datetime(2024, 2, 29, 23, 30, 15, tzinfo=UTC))


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (0, "2024-02-29T23:30:15+00:00\nDate: 2024-02-29 (Thursday)\nTime: 23:30:15 (UTC+00:00)"),
        (9, "2024-03-01T08:30:15+09:00\nDate: 2024-03-01 (Friday)\nTime: 08:30:15 (UTC+09:00)"),
        (5.5, "2024-03-01T05:00:15+05:30\nDate: 2024-03-01 (Friday)\nTime: 05:00:15 (UTC+05:30)"),
        (-12, "2024-02-29T11:30:15-12:00\nDate: 2024-02-29 (Thursday)\nTime: 11:30:15 (UTC-12:00)"),
        (14, "2024-03-01T13:30:15+14:00\nDate: 2024-03-01 (Friday)\nTime: 13:30:15 (UTC+14:00)"),
    ],
)
async def test_get_datetime_gives_date_time_and_weekday(frozen_now, offset, expected):
    assert await get_datetime.ainvoke({"timezone_offset": offset}) == expected


async def test_get_datetime_defaults_to_utc(frozen_now):
    assert (await get_datetime.ainvoke({})).startswith("2024-02-29T23:30:15+00:00")


@pytest.mark.parametrize("offset", [-12.5, 14.5, 100, float("nan"), float("inf")])
async def test_get_datetime_refuses_offsets_outside_minus_12_to_14(offset):
    assert await get_datetime.ainvoke({"timezone_offset": offset}) == OFFSET_OUT_OF_RANGE


async def test_tools_answer_bad_arguments_with_a_message():
    content = await get_datetime.ainvoke({"timezone_offset": "Asia/Seoul"})
    assert content.startswith("Error: invalid arguments for this tool: timezone_offset:")


async def test_summarize_url_returns_title_url_and_text(monkeypatch):
    async def fake_fetch(url: str) -> PageText:
        return PageText(
            url="https://example.com/final", title="A page", text="Body.", truncated=False
        )

    monkeypatch.setattr(tools, "fetch_text", fake_fetch)
    message = await summarize_url.ainvoke(
        tool_call("summarize_url", {"url": "https://example.com/"})
    )
    assert message.content == "Title: A page\nURL: https://example.com/final\n\nBody."
    assert message.artifact == [{"title": "A page", "url": "https://example.com/final"}]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://169.254.169.254/latest/", "file:///etc/passwd"]
)
async def test_summarize_url_refuses_local_addresses_and_other_schemes(url):
    content = await summarize_url.ainvoke({"url": url})
    assert content.startswith("Refused: ")


async def test_summarize_url_reports_a_failed_fetch(monkeypatch):
    async def failing_fetch(url: str) -> PageText:
        raise UrlFetchError("the server answered HTTP 500")

    monkeypatch.setattr(tools, "fetch_text", failing_fetch)
    content = await summarize_url.ainvoke({"url": "https://example.com/"})
    assert content == "Error: could not read the page: the server answered HTTP 500."


async def test_a_tool_node_runs_every_tool_without_raising(fake_search, frozen_now):
    calls = [
        tool_call("search_web", {"query": "news"}, "1"),
        tool_call("calculate", {"expression": "__import__('os')"}, "2"),
        tool_call("get_datetime", {"timezone_offset": 99}, "3"),
        tool_call("summarize_url", {"url": "http://localhost/"}, "4"),
        tool_call("get_datetime", {"timezone_offset": "soon"}, "5"),
    ]
    graph = StateGraph(MessagesState).add_node("tools", ToolNode(TOOLS))
    graph = graph.add_edge(START, "tools").compile()
    result = await graph.ainvoke({"messages": [AIMessage("", tool_calls=calls)]})
    contents = [message.content for message in result["messages"][1:]]
    assert contents[0].startswith("1. Example Domain")
    assert contents[1].startswith("Error: cannot calculate")
    assert contents[2] == OFFSET_OUT_OF_RANGE
    assert contents[3].startswith("Refused: ")
    assert contents[4].startswith("Error: invalid arguments")
