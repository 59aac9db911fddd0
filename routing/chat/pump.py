"""An engine's stream read with heartbeats: `AgentPump`.

It iterates the engine's stream in a task of its own and hands its items to the reader
through a queue, so the reader can send a heartbeat whenever the engine has been silent
for a while, and so one `stop()` cancels the engine (and the Ollama request under it)
wherever it is waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

# Queue markers: the agent stream ended, and nothing arrived within the heartbeat interval.
END = object()
STOP_GRACE_SECONDS = 5.0
SILENCE = object()


class AgentPump:
    """Runs an agent stream in its own task; `next()` returns an item, END or SILENCE.

    An exception the stream raises is returned as an item (after the items before it).
    """

    def __init__(self, stream: AsyncIterator[Any], *, heartbeat_seconds: float) -> None:
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._heartbeat = heartbeat_seconds
        self._getter: asyncio.Future | None = None
        self._task = asyncio.create_task(self._pump(stream))

    async def _pump(self, stream: AsyncIterator[Any]) -> None:
        try:
            async for item in stream:
                self._queue.put_nowait(item)
        except Exception as exc:  # handed to the reader, which decides what the client sees
            self._queue.put_nowait(exc)
        else:
            self._queue.put_nowait(END)

    async def next(self) -> Any:
        """The next item, or SILENCE if none came within the heartbeat interval."""
        if self._getter is None:
            self._getter = asyncio.ensure_future(self._queue.get())
        # asyncio.wait never cancels the getter on timeout, so no item is lost.
        done, _ = await asyncio.wait({self._getter}, timeout=self._heartbeat)
        if not done:
            return SILENCE
        item, self._getter = self._getter.result(), None
        return item

    def stop(self) -> list[Any]:
        """Cancel the agent; returns the items it produced that were not read yet."""
        self._task.cancel()
        left = []
        getter, self._getter = self._getter, None
        if getter is not None and getter.done() and not getter.cancelled():
            left.append(getter.result())  # arrived while the reader was being cancelled
        elif getter is not None:
            getter.cancel()
        while not self._queue.empty():
            left.append(self._queue.get_nowait())
        return left

    async def wait_stopped(self) -> None:
        """Give the cancelled agent a moment to unwind (close its HTTP request)."""
        await asyncio.wait({self._task}, timeout=STOP_GRACE_SECONDS)
