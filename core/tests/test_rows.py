"""`core.rows.combined`: several writes as one PostgreSQL statement, parameters in order."""

from __future__ import annotations

import pytest

from core.rows import combined


def test_one_statement_is_left_as_it_is():
    assert combined([("INSERT INTO a (x) VALUES (%s)", [1])]) == (
        "INSERT INTO a (x) VALUES (%s)",
        [1],
    )


def test_the_statements_before_the_last_become_its_with_queries_in_order():
    sql, params = combined(
        [
            ("INSERT INTO a (x, y) VALUES (%s, %s)", [1, 2]),
            ('UPDATE "b" SET z = %s WHERE id = %s', [3, 4]),
            ("INSERT INTO c (w) VALUES (%s)", [5]),
        ]
    )

    assert sql == (
        "WITH w0 AS (INSERT INTO a (x, y) VALUES (%s, %s)), "
        'w1 AS (UPDATE "b" SET z = %s WHERE id = %s) '
        "INSERT INTO c (w) VALUES (%s)"
    )
    assert params == [1, 2, 3, 4, 5]


def test_nothing_to_combine_is_a_mistake():
    with pytest.raises(ValueError, match="nothing"):
        combined([])
