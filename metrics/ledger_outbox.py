"""Ledger rows that could not be written while the database was down, kept in Redis.

The chat turn commits each usage row with its answer. When that fails because
PostgreSQL is unreachable, the row goes here (a Redis list) instead of being lost, and
`ledger_outbox_drain` writes it once the database answers again: the closing step of the
next turn of any process triggers a drain at most every DRAIN_INTERVAL_SECONDS.

No row may block the ones behind it. A row whose conversation or API key was deleted while
it waited is written without that link (as the turn itself does when its conversation goes
mid-answer); one whose user was deleted is dropped, since that user's usage rows went with
them; one that cannot be read or written at all is moved to DEAD_KEY with an error in the
log, for an operator to look at. No row is written twice: one process drains at a time
(DRAIN_LOCK_KEY), and a row leaves the list only once it is handled.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time

from asgiref.sync import sync_to_async
from django.db import DatabaseError, IntegrityError, transaction
from redis.exceptions import LockError

from accounts.models import ApiKey, User
from conversations.models import Conversation
from core.redis_client import REDIS_DOWN_ERRORS, async_redis, sync_redis
from metrics.usage import UsageEntry, ledger_write

logger = logging.getLogger(__name__)

OUTBOX_KEY = "outbox:usage"
DEAD_KEY = "outbox:usage:dead"
DRAIN_LOCK_KEY = "outbox:usage:draining"
# Longer than any drain: a process that dies mid-drain frees the outbox after this.
DRAIN_LOCK_SECONDS = 60
DRAIN_BATCH = 100
DRAIN_INTERVAL_SECONDS = 5.0

_last_drain = 0.0


async def ledger_outbox_push(entry: UsageEntry) -> None:
    """Keep `entry` for later; logs an error only if Redis is down too (then it is lost)."""
    payload = json.dumps(dataclasses.asdict(entry), default=str)
    try:
        await async_redis().rpush(OUTBOX_KEY, payload)
        logger.warning("usage row kept in the outbox until the database returns")
    except REDIS_DOWN_ERRORS:
        logger.error("usage row lost: database and Redis both unavailable: %s", payload)


def ledger_outbox_drain() -> int:
    """Write the kept rows to the database, oldest first; returns how many were written.

    One drain at a time across processes (a Redis lock; a drain already running elsewhere
    makes this one return 0), and a row leaves the outbox only once it is handled, so no
    row is written twice. A database outage stops the drain (the rows stay, in order);
    anything else wrong with a row is dealt with row by row (module docstring)."""
    client = sync_redis()
    lock = client.lock(DRAIN_LOCK_KEY, timeout=DRAIN_LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return 0
    try:
        return _drain(client)
    finally:
        try:
            lock.release()
        except LockError:  # it outlived DRAIN_LOCK_SECONDS; another drain may have begun
            logger.warning("usage outbox drain took longer than %d s", DRAIN_LOCK_SECONDS)


def _drain(client) -> int:
    written = 0
    while True:
        raw = client.lrange(OUTBOX_KEY, 0, DRAIN_BATCH - 1)
        if not raw:
            return written
        entries = [_parsed(item) for item in raw]
        try:
            with transaction.atomic():
                for entry in entries:
                    if entry is not None:
                        ledger_write(entry)
        except IntegrityError:
            # Row by row, each leaving the outbox as soon as it is handled.
            for entry, item in zip(entries, raw, strict=True):
                written += _handled_alone(entry, item)
                client.lpop(OUTBOX_KEY)
            continue
        for entry, item in zip(entries, raw, strict=True):
            if entry is None:
                _set_aside(item, "unreadable")
        client.ltrim(OUTBOX_KEY, len(raw), -1)
        written += sum(entry is not None for entry in entries)


def _parsed(item: bytes | str) -> UsageEntry | None:
    try:
        return UsageEntry(**json.loads(item))
    except (ValueError, TypeError):
        return None


def _handled_alone(entry: UsageEntry | None, item: bytes | str) -> bool:
    """One row in its own transaction, its dangling links cleared; True if written."""
    if entry is None:
        _set_aside(item, "unreadable")
        return False
    try:
        with transaction.atomic():
            ledger_write(entry)
        return True
    except IntegrityError:
        pass
    if not User.objects.filter(pk=entry.user_id).exists():
        logger.info("outbox usage row dropped: its user was deleted meanwhile")
        return False
    unlinked = dataclasses.replace(
        entry,
        conversation_id=_existing(Conversation, entry.conversation_id),
        api_key_id=_existing(ApiKey, entry.api_key_id),
    )
    try:
        with transaction.atomic():
            ledger_write(unlinked)
        return True
    except IntegrityError as exc:
        _set_aside(item, str(exc))
        return False


def _existing(model, pk):
    return pk if pk is not None and model.objects.filter(pk=pk).exists() else None


def _set_aside(item: bytes | str, why: str) -> None:
    sync_redis().rpush(DEAD_KEY, item)
    logger.error("outbox usage row set aside in %s (%s): %s", DEAD_KEY, why, item)


async def ledger_outbox_drain_due() -> None:
    """Drain in the background of a healthy turn, at most every DRAIN_INTERVAL_SECONDS."""
    global _last_drain
    now = time.monotonic()
    if now - _last_drain < DRAIN_INTERVAL_SECONDS:
        return
    _last_drain = now
    try:
        if await async_redis().llen(OUTBOX_KEY):
            count = await sync_to_async(ledger_outbox_drain)()
            logger.info("wrote %d usage rows kept in the outbox", count)
    except (*REDIS_DOWN_ERRORS, DatabaseError) as exc:
        logger.warning("usage outbox not drained yet: %s", exc)
