"""Statements the gateway repeats are prepared on their connection (DB_SERVER_SIDE_BINDING):
parameters travel apart from the SQL, so the text repeats and psycopg prepares it."""

from __future__ import annotations

import pytest
from django.db import connection

from metrics.tests.usage_data import usage_entry
from metrics.usage import ledger_write

pytestmark = pytest.mark.django_db


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_connection_binds_parameters_on_the_server():
    options = connection.settings_dict["OPTIONS"]
    assert options.get("server_side_binding") is True
    assert options.get("prepare_threshold") == 5


def test_a_statement_run_on_every_request_is_prepared_after_a_few_runs(user):
    for tokens in range(8):
        ledger_write(usage_entry(user, prompt_tokens=tokens))

    prepared = _prepared()
    assert any(s.startswith('INSERT INTO "metrics_usagerecord"') for s in prepared)
