"""Over HTTP against the Ollama test server (real ChatOllama): what a newcomer sees with
`make fake-ollama` — clear questions are routed fast with no classifier call in the
server's log, unclear ones by the (keyword-classifying) test server."""

from __future__ import annotations

from routing.agent.router.model import get_model
from routing.agent.runner import run_agent, stream_agent
from routing.tests.agent.server_script import is_classifier


def classifier_requests(server) -> list:
    return [r for r in server.chat_requests if is_classifier(r.body)]


async def test_a_clear_question_makes_no_classifier_call(ollama, fast_routing):
    result = await run_agent("오늘 서울 날씨 알려줘", [])
    assert (result.router, result.intent) == ("fast", "search")
    assert classifier_requests(ollama) == []
    assert result.outcome == "ok"


async def test_an_unclear_question_is_classified_by_the_test_servers_keywords(ollama, fast_routing):
    query = "hmm and the score?"
    model = get_model()
    assert model.predict(query).confidence < model.threshold
    events = [e async for e in stream_agent(query, [])]
    meta, result = events[0], events[-1]
    assert (meta.router, meta.intent) == ("llm", "search")  # "score": a search keyword
    assert len(classifier_requests(ollama)) == 1
    assert result.router == "llm"


async def test_every_route_is_reachable_through_the_test_server(ollama, settings):
    settings.ROUTER_ENABLED = False  # the test server's classifier decides every query
    routes = {}
    for query in ("latest news", "compare A and B", "write a poem", "hello"):
        routes[query] = (await run_agent(query, [])).intent
    assert routes == {
        "latest news": "search",
        "compare A and B": "analysis",
        "write a poem": "creative",
        "hello": "general",
    }
