"""Search subgraph: query_refiner (small model) -> web_search -> synthesizer (large model).

A search failure is not an error: the synthesizer is told live results were unavailable,
and the answer ends with a note saying so whatever the model writes. The note is added
(and streamed) after the model's answer, and only to an answer the output guard will
accept: a rejected attempt streams no note, so a retry never sends it twice.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langgraph.graph.state import CompiledStateGraph

from routing.agent.intent_schema import helper_model, model_for
from routing.agent.nodes.output_guard import is_acceptable
from routing.agent.prompts import (
    REFINER_SYSTEM,
    SEARCH_NO_RESULTS,
    SEARCH_SYNTH_SYSTEM,
    SEARCH_UNAVAILABLE_NOTE,
    SEARCH_UNAVAILABLE_SYSTEM,
    localized,
)
from routing.agent.state import Source
from routing.agent.subgraphs.chain import compile_chain
from routing.agent.tools.web_search import SearchUnavailable, web_search
from routing.ollama import chat_models as llm
from routing.ollama.metering import add_durations

MAX_RESULTS = 5
MAX_QUERY_CHARS = 200


class SearchInput(TypedDict):
    """What the main graph hands in (its token totals stay out, so they are not re-added)."""

    query: str
    history: list[BaseMessage]
    complexity: str


class SearchOutput(TypedDict):
    """What flows back into the main graph."""

    response: str
    sources: list[Source]
    search_results: list[str]
    model: str
    prompt_tokens: Annotated[int, operator.add]
    completion_tokens: Annotated[int, operator.add]
    compute_seconds: Annotated[float, operator.add]
    durations: Annotated[dict[str, int], add_durations]


class SearchState(SearchInput, SearchOutput, total=False):
    """The subgraph's own working state."""

    refined_query: str
    search_failed: bool


def clean_query(text: str, fallback: str) -> str:
    """First non-empty line of the refiner's reply, without quotes or labels."""
    for line in text.splitlines():
        line = line.strip().strip("\"'`").strip()
        if line.casefold().startswith(("search query:", "query:")):
            line = line.split(":", 1)[1].strip().strip("\"'`")
        if line:
            return line[:MAX_QUERY_CHARS]
    return fallback


async def query_refiner(state: SearchState) -> dict[str, Any]:
    """Rewrite the question (with its history) as a search query."""
    model = helper_model("refiner")
    messages = [SystemMessage(REFINER_SYSTEM), *state["history"], HumanMessage(state["query"])]
    reply = await llm.call(llm.chat_model(model), messages, model=model)
    return {"refined_query": clean_query(llm.text_of(reply), state["query"]), **llm.usage(reply)}


async def search(state: SearchState) -> dict[str, Any]:
    """Run the web search; a failure is recorded, not raised."""
    try:
        hits = await web_search(state["refined_query"], max_results=MAX_RESULTS)
    except SearchUnavailable:
        return {"search_failed": True, "search_results": [], "sources": []}
    results = [f"[{n}] {hit.title} ({hit.url})\n{hit.snippet}" for n, hit in enumerate(hits, 1)]
    sources = [{"title": hit.title, "url": hit.url} for hit in hits]
    return {"search_failed": False, "search_results": results, "sources": sources}


async def synthesizer(state: SearchState) -> dict[str, Any]:
    """Answer from the results, citing them; or say live results were unavailable."""
    model = model_for("search", state["complexity"])
    if state["search_failed"]:
        system = SEARCH_UNAVAILABLE_SYSTEM
    else:
        system = SEARCH_SYNTH_SYSTEM.format(
            results="\n\n".join(state["search_results"]) or SEARCH_NO_RESULTS
        )
    messages = [SystemMessage(system), *state["history"], HumanMessage(state["query"])]
    reply = await llm.call(llm.chat_model(model, final=True), messages, model=model)
    answer = llm.text_of(reply)
    # An empty answer stays empty so the output guard can retry; the note alone is no answer.
    if state["search_failed"] and is_acceptable(answer):
        note = "\n\n" + localized(SEARCH_UNAVAILABLE_NOTE, state["query"])
        llm.emit_final_text(note)
        answer += note
    return {"response": answer, "model": model, **llm.usage(reply)}


def build_search_subgraph() -> CompiledStateGraph:
    """Compile the three-step search subgraph."""
    return compile_chain(
        "search",
        state=SearchState,
        input_schema=SearchInput,
        output_schema=SearchOutput,
        steps=[
            ("query_refiner", query_refiner),
            ("web_search", search),
            ("synthesizer", synthesizer),
        ],
    )
