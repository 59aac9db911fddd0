"""The shape both subgraphs share: their own state, steps in a line, compiled once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph


def compile_chain(
    name: str,
    *,
    state: type[Any],
    input_schema: type[Any],
    output_schema: type[Any],
    steps: Sequence[tuple[str, Any]],
) -> CompiledStateGraph:
    """Compile `steps` ((node name, async node), ...) to run in order: START -> ... -> END.

    The subgraph works on `state`; the main graph hands it `input_schema` and gets back
    `output_schema`, so the parent's token totals are neither passed in nor added twice.
    """
    builder = StateGraph(state, input_schema=input_schema, output_schema=output_schema)
    builder.add_sequence(list(steps))
    builder.add_edge(START, steps[0][0])
    builder.add_edge(steps[-1][0], END)
    return builder.compile(name=name)
