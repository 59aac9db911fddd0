"""Show the guard evaluation's numbers in the terminal summary, with or without `-s`."""

from __future__ import annotations

from routing.tests.guard_eval import evaluation


def pytest_terminal_summary(terminalreporter):
    if evaluation.evaluate.cache_info().currsize:
        terminalreporter.write_sep("-", "input guard evaluation")
        terminalreporter.write_line(evaluation.evaluate().report())
