"""docs/agent.md keeps the compiled graph's drawing: a topology change is a visible diff."""

from __future__ import annotations

import re
from pathlib import Path

from routing.agent.graph import draw_mermaid

DOC = Path(__file__).resolve().parents[3] / "docs" / "agent.md"


def test_the_drawing_in_docs_matches_the_compiled_graph():
    blocks = re.findall(r"```mermaid\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, "docs/agent.md has no ```mermaid block"
    expected = draw_mermaid().strip()
    assert blocks[0].strip() == expected, (
        "The graph changed: paste routing.agent.graph.draw_mermaid() into docs/agent.md"
    )
