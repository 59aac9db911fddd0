"""Work that must finish even if the request waiting for it is cancelled.

A client that disconnects gets its request task cancelled (Django's ASGI handler does so
on `http.disconnect`); storing what was generated and the usage row must still happen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)

# Strong references: the event loop keeps only weak ones to tasks nobody awaits any more.
_pending: set[asyncio.Task] = set()


async def run_shielded(work: Coroutine[Any, Any, Any]) -> Any:
    """Run `work` in its own task and wait for it; cancelling the waiter does not stop it."""
    task = asyncio.ensure_future(work)
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        # Nobody will see the outcome now, so a failure has to be logged here.
        task.add_done_callback(_log_failure)
        raise


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("chat work finished after a disconnect failed", exc_info=task.exception())


def run_detached(work: Coroutine[Any, Any, Any]) -> None:
    """Start `work` with nobody waiting for it (a failure is logged, not lost)."""
    task = asyncio.ensure_future(work)
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    task.add_done_callback(_log_failure)
