"""`manage.py usage_report` in table, csv and json formats."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from metrics.tests.usage_data import COMPLEX, SIMPLE, record, seed_usage

COUNTS_HEADER = [
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "compute_seconds",
]


@pytest.fixture
def seeded(user, admin_user):
    seed_usage(user, admin_user)


def report(*args: str) -> str:
    out = io.StringIO()
    call_command("usage_report", *args, stdout=out)
    return out.getvalue()


def test_it_prints_aligned_tables(seeded):
    output = report()

    assert "(7 days)" in output
    for title in ("Totals", "By user", "By model", "By intent", "By day"):
        assert f"\n{title}\n" in output
    lines = output.splitlines()
    header = lines.index("By model") + 1
    model_rows = lines[header : header + 5]
    assert model_rows[0].split() == ["model", *COUNTS_HEADER]
    assert set(model_rows[1].replace(" ", "")) == {"-"}
    # Numbers are right-aligned: every row ends at the same column.
    assert len({len(row) for row in model_rows}) == 1
    assert model_rows[2].split() == [COMPLEX, "3", "330", "170", "500", "3.75"]
    assert model_rows[4].split() == ["-", "1", "0", "0", "0", "0.00"]  # the blocked query's


def test_it_prints_csv_with_a_header(seeded):
    rows = list(csv.DictReader(io.StringIO(report("--format", "csv"))))

    assert rows[0] == {
        "section": "total",
        "key": "all",
        "requests": "6",
        "prompt_tokens": "360",
        "completion_tokens": "185",
        "total_tokens": "545",
        "compute_seconds": "5.25",
    }
    users = {r["key"]: r["total_tokens"] for r in rows if r["section"] == "user"}
    assert users == {"bob": "495", "alice_admin": "50"}
    models = {r["key"]: r["requests"] for r in rows if r["section"] == "model"}
    assert models == {COMPLEX: "3", SIMPLE: "2", "": "1"}
    days = [r for r in rows if r["section"] == "day"]
    assert len(days) == 7
    assert days[-1]["prompt_tokens"] == "310"


def test_it_prints_json_for_machines(seeded):
    data = json.loads(report("--format", "json"))

    assert data["user"] is None
    assert data["days"] == 7
    assert data["totals"]["total_tokens"] == 545
    assert data["totals"]["by_outcome"]["fallback"] == 1
    assert [r["username"] for r in data["by_user"]] == ["bob", "alice_admin"]
    assert len(data["by_day"]) == 7


def test_it_reports_one_user(seeded):
    data = json.loads(report("--user", "BOB", "--format", "json"))

    assert data["user"] == "bob"
    assert data["totals"]["requests"] == 4
    assert [r["username"] for r in data["by_user"]] == ["bob"]
    assert "Usage for bob" in report("--user", "bob")


def test_it_widens_the_window_with_days(seeded):
    assert json.loads(report("--days", "30", "--format", "json"))["totals"]["requests"] == 7
    assert json.loads(report("--days", "1", "--format", "json"))["totals"]["requests"] == 4


def test_it_says_none_for_empty_sections(db):
    output = report("--days", "1")

    assert "By user\n  (none)" in output


def test_it_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        report("--user", "ghost")


@pytest.mark.parametrize("days", ["0", "366"])
def test_it_refuses_days_out_of_range(db, days):
    with pytest.raises(CommandError, match="--days must be between 1 and 365"):
        report("--days", days)


def test_it_refuses_an_unknown_format(db):
    with pytest.raises(CommandError, match="invalid choice"):
        report("--format", "xml")


@pytest.mark.parametrize("cell", ["=1+2", "-2+3", "+SUM(A1)", "@cmd", "\tx", "\r=x"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(user, cell):
    record(user, model=cell, intent="general")

    rows = list(csv.reader(io.StringIO(report("--format", "csv"), newline="")))

    model_cells = [row[1] for row in rows if row[0] == "model"]
    assert model_cells == ["'" + cell]
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for value in r)


def test_csv_leaves_ordinary_cells_and_numbers_alone(seeded):
    rows = list(csv.reader(io.StringIO(report("--format", "csv"))))

    assert [row[1] for row in rows if row[0] == "model"][:1] == [COMPLEX]
    assert rows[1][2].isdigit()
