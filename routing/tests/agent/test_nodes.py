"""Nodes and routers one at a time: output guard, subgraph helpers, creative routing."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, ToolMessage

from routing.agent.graph import route_input, route_intent, routed
from routing.agent.nodes.creative import route_creative, tool_sources
from routing.agent.nodes.fallback import fallback
from routing.agent.nodes.output_guard import is_acceptable, output_guard, route_output
from routing.agent.prompts import FALLBACKS
from routing.agent.subgraphs.analysis import parse_sub_questions, researcher
from routing.agent.subgraphs.search import clean_query
from routing.ollama.errors import LlmUnavailableError
from routing.tests.agent.helpers import tool_call


@pytest.mark.parametrize("text", ["4", "네", "Paris.", "  ok "])
def test_short_real_answers_are_acceptable(text):
    assert is_acceptable(text)


@pytest.mark.parametrize("text", ["", "   ", "...", "**", "\n\n", "```"])
def test_content_free_answers_are_not(text):
    assert not is_acceptable(text)


async def test_output_guard_passes_a_real_answer():
    assert await output_guard({"response": "Hi!", "retry_count": 0}) == {"output_quality": "pass"}


async def test_output_guard_retries_with_a_fresh_attempt(settings):
    settings.OUTPUT_MAX_RETRIES = 2
    update = await output_guard({"response": "", "retry_count": 1, "query": "q"})
    assert (update["output_quality"], update["retry_count"]) == ("retry", 2)
    remove, query = update["messages"]
    assert isinstance(remove, RemoveMessage)
    assert isinstance(query, HumanMessage)
    assert query.content == "q"


async def test_output_guard_falls_back_when_retries_are_spent(settings):
    settings.OUTPUT_MAX_RETRIES = 2
    assert await output_guard({"response": "", "retry_count": 2, "query": "q"}) == {
        "output_quality": "fallback"
    }


async def test_fallback_is_intent_specific_and_localized():
    update = await fallback({"intent": "search", "query": "최신 뉴스 알려줘"})
    assert update["response"] == FALLBACKS["search"]["ko"]


async def test_routers_raise_on_impossible_states():
    with pytest.raises(ValueError, match="verdict"):
        await route_output({})
    with pytest.raises(ValueError, match="verdict"):
        await route_input({})
    with pytest.raises(ValueError, match="intent"):
        await route_intent({"intent": None})
    with pytest.raises(ValueError, match="AIMessage"):
        await route_creative({"messages": [HumanMessage("hi")]})


async def test_routers_route():
    assert await route_input({"is_blocked": True}) == "blocked_response"
    assert await route_input({"is_blocked": False}) == "classifier"
    assert await route_intent({"intent": "analysis"}) == "analysis"
    assert await route_output({"output_quality": "retry"}) == "retry"
    calling = AIMessage(content="", tool_calls=[tool_call("calculate", expression="1")])
    assert await route_creative({"messages": [calling]}) == "tools"
    assert await route_creative({"messages": [AIMessage("done")]}) == "output_guard"


async def test_a_routed_node_routes_on_its_own_update_in_one_command(settings):
    settings.OUTPUT_MAX_RETRIES = 2
    paths = {"pass": "__end__", "retry": "classifier", "fallback": "fallback"}
    step = routed(output_guard, route_output, paths)
    # The state still holds the last attempt's verdict: the router must read the new one.
    state = {"response": "", "retry_count": 2, "query": "q", "output_quality": "retry"}

    command = await step(state)

    assert (command.update, command.goto) == ({"output_quality": "fallback"}, "fallback")
    assert (step.__name__, step.__doc__) == ("output_guard", output_guard.__doc__)
    command = await routed(input_guard_stub, route_input)({"is_blocked": None})
    assert (command.update, command.goto) == ({"is_blocked": True}, "blocked_response")


async def input_guard_stub(state):
    return {"is_blocked": True}


def test_tool_sources_come_from_tool_artifacts_once_each():
    page = {"title": "T", "url": "https://example.com/t"}
    messages = [
        ToolMessage("r", tool_call_id="1", artifact=[page]),
        ToolMessage("r", tool_call_id="2", artifact=[page, {"title": "U", "url": "https://u.io"}]),
        ToolMessage("42", tool_call_id="3"),
    ]
    assert tool_sources(messages) == [page, {"title": "U", "url": "https://u.io"}]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("tesla news 2024", "tesla news 2024"),
        ('"tesla news"\nThis query finds...', "tesla news"),
        ("Search query: tesla news", "tesla news"),
        ("   \n", "original question"),
    ],
)
def test_refiner_reply_is_cleaned(reply, expected):
    assert clean_query(reply, "original question") == expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"sub_questions": ["A?", "B?", "C?"]}', ["A?", "B?", "C?"]),
        (
            '```json\n{"sub_questions": ["A?", "a?", " ", "B?", "C?", "D?", "E?"]}\n```',
            ["A?", "B?", "C?", "D?"],
        ),
        ("1. A?\n2. B?\nThat is all.", ["A?", "B?"]),
    ],
)
def test_sub_questions_are_parsed_and_clamped(reply, expected):
    assert parse_sub_questions(reply, "Q") == expected


@pytest.mark.parametrize("reply", ['{"sub_questions": ["Only one?"]}', "no idea", "{}"])
def test_sub_questions_are_padded_to_two(reply):
    questions = parse_sub_questions(reply, "Trains vs planes")
    assert len(questions) == 2
    assert all(q.strip() for q in questions)


async def test_researcher_asks_all_sub_questions_at_once(script):
    started: set[str] = set()
    everyone_waiting = asyncio.Event()
    questions = ["A?", "B?", "C?"]

    async def barrier(call):
        # Each call waits until all three have started: sequential calls would never finish.
        started.add(call.query)
        if started == set(questions):
            everyone_waiting.set()
        await asyncio.wait_for(everyone_waiting.wait(), timeout=5)

    script.gate = barrier
    update = await researcher({"sub_queries": questions})
    assert len(update["search_results"]) == 3
    assert update["prompt_tokens"] == script.prompt_tokens


async def test_a_failing_researcher_cancels_the_others(script):
    cancelled = []

    async def gate(call):
        if call.query == "bad?":
            raise ConnectionError("down")
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(call.query)
            raise

    script.gate = gate
    with pytest.raises(LlmUnavailableError):
        await researcher({"sub_queries": ["slow?", "bad?"]})
    assert cancelled == ["slow?"]
