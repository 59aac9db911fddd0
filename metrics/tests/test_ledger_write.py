"""The ledger row every request writes goes in through core/rows.insert_instance: the row
must be exactly what `save(force_insert=True)` stores, and nothing may listen for a save
signal that this write does not send."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save

from accounts.services import api_key_create
from conversations.services import conversation_create
from metrics.models import UsageRecord
from metrics.tests.usage_data import usage_entry
from metrics.usage import ledger_write

pytestmark = pytest.mark.django_db

# Every column but the ones that differ between two rows by nature.
UNIQUE = ("id", "created_at", "updated_at")


def _stored(pk) -> dict:
    row = UsageRecord.objects.values().get(pk=pk)
    assert all(row[column] is not None for column in UNIQUE)
    return {column: value for column, value in row.items() if column not in UNIQUE}


def test_the_row_is_stored_as_the_orm_stores_it(user):
    key = api_key_create(user=user, name="ci").api_key
    conversation = conversation_create(user=user, title="t")
    entry = usage_entry(
        user,
        api_key_id=key.pk,
        conversation_id=conversation.pk,
        api="openai",
        prompt_tokens=7,
        completion_tokens=3,
        compute_seconds=0.25,
        latency_ms=-5,  # a clock step: stored as 0, as the ledger row says
    )

    written = ledger_write(entry)
    saved = entry.ledger_row()
    saved.save(force_insert=True)

    assert _stored(written.pk) == _stored(saved.pk)
    assert written.created_at == UsageRecord.objects.get(pk=written.pk).created_at
    assert not written._state.adding


def test_a_written_row_saves_again_as_an_update(user):
    row = ledger_write(usage_entry(user))
    row.model = "other"
    row.save()

    assert UsageRecord.objects.get(pk=row.pk).model == "other"
    assert UsageRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_row_naming_nobody_fails_at_the_commit_as_before(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger_write(usage_entry(user, user_id=uuid.uuid4()))


def test_nothing_listens_for_the_ledgers_save_signals():
    # insert_instance sends no signals; a receiver added later would silently miss rows.
    assert not pre_save.has_listeners(UsageRecord)
    assert not post_save.has_listeners(UsageRecord)
