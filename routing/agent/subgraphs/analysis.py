"""Analysis subgraph: decomposer -> researcher (sub-questions concurrently) -> synthesizer.

The decomposer (small model, structured output) splits the question into 2-4
sub-questions; the researcher answers them all at once with asyncio.gather on the small
model — they are notes, not the answer, and the small model keeps the fan-out fast and
cheap; the synthesizer (large model) writes the analysis from the notes.
"""

from __future__ import annotations

import asyncio
import operator
import re
from collections.abc import Awaitable
from typing import Annotated, Any, TypedDict, TypeVar

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel

from routing.agent.intent_schema import extract_json, helper_model, model_for
from routing.agent.prompts import (
    ANALYSIS_SYNTH_SYSTEM,
    DECOMPOSER_PADDING,
    DECOMPOSER_SYSTEM,
    RESEARCHER_SYSTEM,
)
from routing.agent.subgraphs.chain import compile_chain
from routing.ollama import chat_models as llm
from routing.ollama.metering import add_durations

MIN_SUB_QUESTIONS = 2
MAX_SUB_QUESTIONS = 4
T = TypeVar("T")
_BULLET = re.compile(r"^(?:[-*•]|\d+[.)])\s*")


class SubQuestions(BaseModel):
    """The decomposer's answer; its JSON schema is sent to Ollama as `format`."""

    sub_questions: list[str]


class AnalysisInput(TypedDict):
    query: str
    history: list[BaseMessage]
    complexity: str


class AnalysisOutput(TypedDict):
    response: str
    sub_queries: list[str]
    search_results: list[str]
    model: str
    prompt_tokens: Annotated[int, operator.add]
    completion_tokens: Annotated[int, operator.add]
    compute_seconds: Annotated[float, operator.add]
    durations: Annotated[dict[str, int], add_durations]


class AnalysisState(AnalysisInput, AnalysisOutput, total=False):
    """The subgraph's working state: sub_queries, then their answers in search_results."""


def parse_sub_questions(text: str, query: str) -> list[str]:
    """2-4 distinct, non-empty sub-questions from the reply: JSON if there is any, else
    its bulleted or numbered lines; extras are dropped and missing ones padded."""
    data = extract_json(text)
    items = data.get("sub_questions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        lines = [line.strip() for line in text.splitlines()]
        items = [
            _BULLET.sub("", line) for line in lines if _BULLET.match(line) or line.endswith("?")
        ]
    questions: list[str] = []
    for item in items:
        question = item.strip() if isinstance(item, str) else ""
        if question and question.casefold() not in {q.casefold() for q in questions}:
            questions.append(question)
    questions = questions[:MAX_SUB_QUESTIONS]
    for filler in DECOMPOSER_PADDING:
        if len(questions) >= MIN_SUB_QUESTIONS:
            break
        questions.append(filler.format(query=query))
    return questions


async def gather_all(*calls: Awaitable[T]) -> list[T]:
    """asyncio.gather that cancels the other calls as soon as one fails."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def decomposer(state: AnalysisState) -> dict[str, Any]:
    """Split the question (read with its history) into sub-questions."""
    model = helper_model("decomposer")
    messages = [SystemMessage(DECOMPOSER_SYSTEM), *state["history"], HumanMessage(state["query"])]
    reply = await llm.call(llm.structured_model(model, SubQuestions), messages, model=model)
    questions = parse_sub_questions(llm.text_of(reply), state["query"])
    return {"sub_queries": questions, **llm.usage(reply)}


async def researcher(state: AnalysisState) -> dict[str, Any]:
    """Answer every sub-question concurrently."""
    model = helper_model("researcher")
    runnable = llm.chat_model(model)
    replies = await gather_all(
        *(
            llm.call(runnable, [SystemMessage(RESEARCHER_SYSTEM), HumanMessage(q)], model=model)
            for q in state["sub_queries"]
        )
    )
    notes = [
        f"Q: {q}\nA: {llm.text_of(r).strip()}"
        for q, r in zip(state["sub_queries"], replies, strict=True)
    ]
    return {"search_results": notes, **llm.usage(*replies)}


async def synthesizer(state: AnalysisState) -> dict[str, Any]:
    """Write the analysis from the research notes."""
    model = model_for("analysis", state["complexity"])
    system = ANALYSIS_SYNTH_SYSTEM.format(notes="\n\n".join(state["search_results"]))
    messages = [SystemMessage(system), *state["history"], HumanMessage(state["query"])]
    reply = await llm.call(llm.chat_model(model, final=True), messages, model=model)
    return {"response": llm.text_of(reply), "model": model, **llm.usage(reply)}


def build_analysis_subgraph() -> CompiledStateGraph:
    """Compile the three-step analysis subgraph."""
    return compile_chain(
        "analysis",
        state=AnalysisState,
        input_schema=AnalysisInput,
        output_schema=AnalysisOutput,
        steps=[
            ("decomposer", decomposer),
            ("researcher", researcher),
            ("synthesizer", synthesizer),
        ],
    )
