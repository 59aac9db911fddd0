"""The main graph: guards, the pre-router and classifier, four agents, retries, fallbacks (SPEC §8).

    START -> input_guard -blocked-> blocked_response -> END
                         -safe-> classifier -> search | analysis | creative | general
                                               (creative <-> tools)
    agents -> output_guard -pass-> END | -retry-> classifier | -fallback-> fallback -> END

The classifier asks the local pre-router first and the LLM only when it is unsure
(nodes/classifier.py). Compiled once per process (`get_graph`); settings are read by the
nodes at call time.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from django.conf import settings
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode
from langgraph.types import Command

from routing.agent.nodes.blocked import blocked_response
from routing.agent.nodes.classifier import classifier
from routing.agent.nodes.creative import (
    MAX_TOOL_ROUNDS,
    creative_agent,
    creative_tools,
    route_creative,
)
from routing.agent.nodes.fallback import fallback
from routing.agent.nodes.general import general_agent
from routing.agent.nodes.input_guard import input_guard
from routing.agent.nodes.output_guard import output_guard, route_output
from routing.agent.state import AgentState
from routing.agent.subgraphs.analysis import build_analysis_subgraph
from routing.agent.subgraphs.search import build_search_subgraph


async def route_input(state: AgentState) -> Literal["blocked_response", "classifier"]:
    """Router: refuse blocked input, route the rest."""
    blocked = state.get("is_blocked")
    if blocked is None:
        raise ValueError("input guard left no verdict")
    return "blocked_response" if blocked else "classifier"


async def route_intent(state: AgentState) -> Literal["search", "analysis", "creative", "general"]:
    """Router: the agent for the classified intent."""
    intent = state.get("intent")
    if intent not in ("search", "analysis", "creative", "general"):
        raise ValueError(f"classifier left an unknown intent: {intent!r}")
    return intent


Node = Callable[[AgentState], Awaitable[dict[str, Any]]]
Router = Callable[[AgentState], Awaitable[str]]


def routed(node: Node, router: Router, paths: dict[str, str] | None = None) -> Node:
    """`node` and the conditional edge after it as one step, whose `Command` carries the
    node's update and where to go next.

    A conditional edge costs LangGraph a fresh copy of every state channel (34 here) to show
    the router the state after the node: about 0.1 ms of CPU per edge, three per chat. These
    routers read only a plain value their own node sets (`is_blocked`, `intent`,
    `output_quality`; no reducer), so the node's update laid over the state is what they
    would have read.
    """

    async def step(state: AgentState) -> Command:
        update = await node(state)
        goto = await router({**state, **update})
        return Command(update=update, goto=paths[goto] if paths else goto)

    step.__name__ = step.__qualname__ = node.__name__
    step.__doc__ = node.__doc__
    return step


def build_graph() -> CompiledStateGraph:
    """Assemble and compile the agent graph."""
    builder = StateGraph(AgentState)
    builder.add_node(
        "input_guard",
        routed(input_guard, route_input),
        destinations=("blocked_response", "classifier"),
    )
    builder.add_node("blocked_response", blocked_response)
    builder.add_node(
        "classifier",
        routed(classifier, route_intent),
        destinations=("search", "analysis", "creative", "general"),
    )
    builder.add_node("search", build_search_subgraph())
    builder.add_node("analysis", build_analysis_subgraph())
    builder.add_node("creative", creative_agent)
    builder.add_node("tools", ToolNode(creative_tools()))
    builder.add_node("general", general_agent)
    output_paths = {"pass": END, "retry": "classifier", "fallback": "fallback"}
    builder.add_node(
        "output_guard",
        routed(output_guard, route_output, output_paths),
        destinations={target: label for label, target in output_paths.items()},
    )
    builder.add_node("fallback", fallback)

    builder.add_edge(START, "input_guard")
    builder.add_edge("blocked_response", END)
    for agent in ("search", "analysis", "general"):
        builder.add_edge(agent, "output_guard")
    builder.add_conditional_edges("creative", route_creative)
    builder.add_edge("tools", "creative")
    builder.add_edge("fallback", END)
    return builder.compile(name="llm_gateway_agent")


@functools.cache
def get_graph() -> CompiledStateGraph:
    """The compiled graph, built on first use and shared by every request in the process."""
    return build_graph()


def run_config() -> RunnableConfig:
    """Per-run config: a step limit a little above the longest legal run, so a routing bug
    fails fast instead of looping. An attempt is at most classifier + creative/tools
    rounds + the final creative call + output guard; add the input guard, the
    fallback, LangGraph's input step and a margin."""
    per_attempt = 2 * MAX_TOOL_ROUNDS + 3
    return {"recursion_limit": 9 + (settings.OUTPUT_MAX_RETRIES + 1) * per_attempt}


def draw_mermaid() -> str:
    """The compiled graph (subgraphs expanded) as Mermaid, as kept in docs/agent.md."""
    return get_graph().get_graph(xray=True).draw_mermaid()
