"""The collector set for serving (core/gc_tuning.py), as the ASGI application loads.

In a subprocess: freezing and thresholds are process-wide, and the test process's own
collector must stay as pytest left it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core import gc_tuning

BASE_DIR = Path(__file__).resolve().parents[2]

SCRIPT = """
import gc
before = gc.get_freeze_count()
import llmgateway.asgi
from routing.agent.graph import get_graph
print(before, gc.get_freeze_count() > 10_000, gc.get_threshold())
print(get_graph.cache_info().currsize)
"""


def test_loading_the_asgi_application_freezes_start_up_and_sets_the_thresholds():
    env = {**os.environ, "DEBUG": "1", "OLLAMA_URL": "http://127.0.0.1:9"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    frozen, graph_built = result.stdout.strip().splitlines()[-2:]
    threshold = (gc_tuning.YOUNG_THRESHOLD, *gc_tuning.OLDER_THRESHOLDS)
    # Nothing frozen before; start-up's objects (the compiled graph among them) after.
    assert frozen == f"0 True {threshold}"
    assert graph_built == "1"
