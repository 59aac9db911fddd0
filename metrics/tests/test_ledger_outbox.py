"""The ledger outbox (metrics/ledger_outbox.py) drains whatever it holds: a row whose
conversation or key was deleted while it waited is written without the link, one whose user
was deleted is dropped (their usage goes with them), an unreadable one is set aside; none
of them blocks the rows behind it, and the turn that triggers a drain never fails for it."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.db import OperationalError

from accounts.models import User
from accounts.services import api_key_create
from conversations.services import conversation_create
from core.redis_client import sync_redis
from metrics import ledger_outbox
from metrics.ledger_outbox import (
    DEAD_KEY,
    DRAIN_LOCK_KEY,
    OUTBOX_KEY,
    ledger_outbox_drain,
    ledger_outbox_push,
)
from metrics.models import UsageRecord
from metrics.tests.usage_data import usage_entry
from metrics.usage import UsageEntry

pytestmark = pytest.mark.django_db(transaction=True)


def entry(user, **links) -> UsageEntry:
    return usage_entry(user, **{"prompt_tokens": 7, **links})


def keep(*entries: UsageEntry | str) -> None:
    """Rows in the outbox, in order: entries as ledger_outbox_push stores them, strings raw."""
    for item in entries:
        if isinstance(item, str):
            sync_redis().rpush(OUTBOX_KEY, item)
        else:
            async_to_sync(ledger_outbox_push)(item)


def test_rows_wait_in_order_and_are_all_written(user):
    keep(*(entry(user, prompt_tokens=n) for n in range(3)))

    assert ledger_outbox_drain() == 3

    assert sorted(UsageRecord.objects.values_list("prompt_tokens", flat=True)) == [0, 1, 2]
    assert sync_redis().llen(OUTBOX_KEY) == 0


def test_a_row_whose_conversation_and_key_were_deleted_is_written_unlinked(user):
    conversation = conversation_create(user=user, title="gone")
    key = api_key_create(user=user, name="gone").api_key
    waiting = entry(user, conversation_id=str(conversation.pk), api_key_id=str(key.pk))
    conversation.delete()
    key.delete()
    keep(entry(user, prompt_tokens=1), waiting, entry(user, prompt_tokens=2))

    assert ledger_outbox_drain() == 3

    rows = UsageRecord.objects.order_by("prompt_tokens")
    assert [(r.prompt_tokens, r.conversation_id, r.api_key_id) for r in rows] == [
        (1, None, None),
        (2, None, None),
        (7, None, None),
    ]
    assert sync_redis().llen(OUTBOX_KEY) == 0


def test_a_row_whose_user_was_deleted_is_dropped_and_the_rest_written(user, outsider):
    gone = entry(outsider)
    User.objects.filter(pk=outsider.pk).delete()
    keep(gone, entry(user, prompt_tokens=1))

    assert ledger_outbox_drain() == 1

    assert list(UsageRecord.objects.values_list("user_id", flat=True)) == [user.pk]
    assert sync_redis().llen(OUTBOX_KEY) == 0
    assert sync_redis().llen(DEAD_KEY) == 0


def test_an_unreadable_row_is_set_aside_not_retried_forever(user):
    keep("{not json", json.dumps({"user_id": str(uuid.uuid4())}), entry(user))

    assert ledger_outbox_drain() == 1

    assert UsageRecord.objects.count() == 1
    assert sync_redis().llen(OUTBOX_KEY) == 0
    assert sync_redis().lrange(DEAD_KEY, 0, -1)[0] in (b"{not json", "{not json")
    assert sync_redis().llen(DEAD_KEY) == 2


def test_a_database_failure_midway_leaves_only_the_unwritten_rows(user, monkeypatch):
    conversation = conversation_create(user=user, title="gone")
    stale = entry(user, conversation_id=str(conversation.pk), prompt_tokens=1)
    conversation.delete()
    keep(stale, entry(user, prompt_tokens=2), entry(user, prompt_tokens=3))
    real_write, calls = ledger_outbox.ledger_write, []

    def failing_on_the_sixth_write(row):
        # Writes 1-3: the batch (its commit fails on the stale link); 4-5: the stale row
        # alone, then unlinked; 6: PostgreSQL goes away.
        calls.append(row)
        if len(calls) == 6:
            raise OperationalError("the database went away")
        return real_write(row)

    monkeypatch.setattr(ledger_outbox, "ledger_write", failing_on_the_sixth_write)
    with pytest.raises(OperationalError):
        ledger_outbox_drain()
    monkeypatch.setattr(ledger_outbox, "ledger_write", real_write)

    assert ledger_outbox_drain() == 2  # the two rows left; the first is not written again
    assert sorted(UsageRecord.objects.values_list("prompt_tokens", flat=True)) == [1, 2, 3]


def test_one_drain_at_a_time_across_processes(user):
    keep(entry(user))
    held = sync_redis().lock(DRAIN_LOCK_KEY, timeout=10)
    assert held.acquire(blocking=False)  # another process is draining
    try:
        assert ledger_outbox_drain() == 0
    finally:
        held.release()

    assert ledger_outbox_drain() == 1
    assert UsageRecord.objects.count() == 1
