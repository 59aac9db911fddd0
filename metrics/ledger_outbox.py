"""Ledger rows that could not be written while the database was down, kept in Redis.

The chat turn commits each usage row with its answer. When that fails because
PostgreSQL is unreachable, the row goes here (a Redis list) instead of being lost, and
`ledger_outbox_drain` writes it once the database answers again: the closing step of the
next turn of any process triggers a drain at most every DRAIN_INTERVAL_SECONDS.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time

from asgiref.sync import sync_to_async
from django.db import DatabaseError, transaction

from core.redis_client import REDIS_DOWN_ERRORS, async_redis, sync_redis
from metrics.usage import UsageEntry, ledger_write

logger = logging.getLogger(__name__)

OUTBOX_KEY = "outbox:usage"
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
    """Write the kept rows to the database, oldest first; returns how many were written."""
    client = sync_redis()
    written = 0
    while True:
        raw = client.lrange(OUTBOX_KEY, 0, DRAIN_BATCH - 1)
        if not raw:
            return written
        entries = [UsageEntry(**json.loads(item)) for item in raw]
        with transaction.atomic():
            for entry in entries:
                ledger_write(entry)
        client.ltrim(OUTBOX_KEY, len(raw), -1)
        written += len(raw)


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
