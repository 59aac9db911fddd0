"""The chat's conversation writes on SQLite, the default for local runs: they are
statements built once (core/rows.py), whose values each field prepares for the backend, and
a turn's phases, which SQLite runs as a transaction of them (no data-modifying WITH)."""

from __future__ import annotations

import pytest

from core.tests.sqlite_shell import run_on_fresh_sqlite

CHECK = """
from accounts.services import user_create
from conversations.models import Conversation
from conversations.services import conversation_start_rows, message_add, message_add_unless_deleted
from core.rows import execute_together, insert_statement


def conversation_start(**fields):
    conversation, rows = conversation_start_rows(**fields)
    execute_together([insert_statement(row) for row in rows])  # a transaction on SQLite
    return conversation, rows[0]


user = user_create(username="local", email="local@example.com", password="Local-passw0rd!")
conversation, question = conversation_start(user=user, question="Why is the sky blue today?")
answer = message_add(conversation=conversation, role="assistant", content="Scattering.")
conversation.refresh_from_db()
print("title", conversation.title)
print("messages", conversation.messages.count())
print("activity", conversation.last_activity_at == answer.created_at)
follow_up = message_add(conversation=conversation, role="user", content="And at sunset?")
conversation.refresh_from_db()
print("kept", conversation.title)
gone = Conversation.objects.create(user=user)
stale = Conversation.objects.get(pk=gone.pk)
gone.delete()
print("deleted", message_add_unless_deleted(conversation=stale, role="assistant", content="x"))
hit, _ = conversation_start(user=user, question="A cat's name?", answer={"content": "Tom."})
print("exchange", list(hit.messages.values_list("role", flat=True)))

# A chat turn's phases (one statement each on PostgreSQL; a transaction of them here).
from asgiref.sync import async_to_sync
from metrics.models import UsageRecord
from metrics.tests.usage_data import usage_entry
from routing.answer import Answer
from routing.chat import persistence

opened, _ = async_to_sync(persistence.turn_open)(user=user, conversation_id=None, query="A dog?")
answer = Answer(response="Rex.", intent="general", model="llama3.2:3b")
usage = usage_entry(user, conversation_id=opened.pk)
async_to_sync(persistence.turn_close)(persistence.Closing(opened, answer, usage))
print("turn", list(opened.messages.values_list("role", flat=True)))
print("ledger", UsageRecord.objects.filter(conversation_id=opened.pk).count())
"""


@pytest.mark.slow
def test_the_chat_writes_work_on_sqlite(tmp_path):
    result = run_on_fresh_sqlite(tmp_path, CHECK)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()[-8:]
    assert lines == [
        "title Why is the sky blue today?",
        "messages 2",
        "activity True",
        "kept Why is the sky blue today?",
        "deleted None",
        "exchange ['user', 'assistant']",
        "turn ['user', 'assistant']",
        "ledger 1",
    ], result.stdout + result.stderr
