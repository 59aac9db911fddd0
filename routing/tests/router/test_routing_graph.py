"""The pre-router in the graph: clear queries skip the LLM classifier, unclear ones do not,
and the classifier's fallback uses the pre-router's guess."""

from __future__ import annotations

from routing.agent.nodes.classifier import classifier
from routing.agent.nodes.pre_router import pre_router
from routing.agent.router.model import get_model
from routing.agent.runner import AgentMeta, run_agent, stream_agent
from routing.tests.agent.conftest import COMPLEX, SIMPLE
from routing.tests.agent.helpers import classification

CLEAR_GENERAL = "What is a neutron star?"
CLEAR_SEARCH = "내일 서울 날씨 어때?"
UNCLEAR = "hmm, ok so what about it"


def classifier_calls(script) -> list:
    return [call for call in script.calls if call.structured]


def test_the_queries_used_here_are_clear_and_unclear_to_the_shipped_model():
    model = get_model()
    assert model.predict(CLEAR_GENERAL).confidence >= model.threshold
    assert model.predict(CLEAR_SEARCH).confidence >= model.threshold
    assert model.predict(UNCLEAR).confidence < model.threshold


async def test_a_clear_query_is_answered_without_the_classifier_call(script, fast_routing):
    result = await run_agent(CLEAR_GENERAL, [])
    assert classifier_calls(script) == []
    assert [call.model for call in script.calls] == [SIMPLE]  # the general answer only
    assert (result.intent, result.router, result.model) == ("general", "fast", SIMPLE)
    assert result.confidence >= get_model().threshold


async def test_an_unclear_query_goes_to_the_llm_classifier_as_before(script, fast_routing):
    script.add(classification("analysis", "complex", 0.8), structured=True)
    script.add('{"sub_questions": ["a?", "b?"]}', structured=True, when=lambda c: "sub" in c.system)
    result = await run_agent(UNCLEAR, [])
    assert len(classifier_calls(script)) >= 1
    assert script.calls[0].structured  # the classifier is the first call
    assert (result.intent, result.router, result.confidence) == ("analysis", "llm", 0.8)


async def test_with_fast_routing_off_every_query_goes_to_the_classifier(script, settings):
    settings.ROUTER_ENABLED = False
    script.add(classification("general"), structured=True)
    result = await run_agent(CLEAR_GENERAL, [])
    assert script.calls[0].structured
    assert result.router == "llm"


async def test_the_stream_announces_the_fast_routing_first(script, fast_routing):
    events = [event async for event in stream_agent(CLEAR_SEARCH, [])]
    meta = events[0]
    assert isinstance(meta, AgentMeta)
    assert (meta.intent, meta.router, meta.model) == ("search", "fast", COMPLEX)
    assert classifier_calls(script) == []
    assert events[-1].router == "fast"


async def test_a_retry_after_a_fast_route_asks_the_llm_classifier(script, fast_routing):
    script.add("", model=SIMPLE, structured=False, times=1)  # an empty answer: retry
    script.add(classification("general"), structured=True)
    result = await run_agent(CLEAR_GENERAL, [])
    assert len(classifier_calls(script)) == 1
    assert (result.outcome, result.router) == ("ok", "llm")


async def test_unusable_classifier_output_falls_back_to_the_pre_routers_guess(script):
    script.add("I cannot classify this.", structured=True)
    state = {"query": "파이썬과 자바를 비교 분석해줘", "history": []}
    state.update(pre_router(state))
    update = await classifier(state)
    assert update["router"] == "heuristic"
    assert update["intent"] == state["pre_route"]["intent"] == "analysis"
    assert update["complexity"] == state["pre_route"]["complexity"]
    assert update["confidence"] <= 0.3


async def test_one_classifier_pass_guesses_first_and_falls_back_on_that_guess(script):
    # The node as the graph runs it on a first pass: no guess yet in the state.
    script.add("I cannot classify this.", structured=True)
    state = {"query": "파이썬과 자바를 비교 분석해줘", "history": [], "retry_count": 0}
    update = await classifier(state)
    guess = get_model().predict(state["query"])
    assert update["pre_route"] == guess.as_dict()
    assert (update["router"], update["intent"]) == ("heuristic", guess.intent)
    assert len(classifier_calls(script)) == 1


async def test_the_pre_router_only_leaves_its_guess_when_unsure(fast_routing):
    update = pre_router({"query": UNCLEAR})
    assert set(update) == {"pre_route"}
    assert update["pre_route"]["confidence"] < get_model().threshold


async def test_the_pre_router_decides_with_the_answering_model(fast_routing):
    fast_routing.MODEL_COMPLEX = "large-model:7b"
    update = pre_router({"query": "Write a haiku about rain"})
    assert update["router"] == "fast"
    assert (update["intent"], update["model"]) == ("creative", "large-model:7b")
