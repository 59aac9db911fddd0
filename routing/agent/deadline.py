"""The agent's overall deadline: one budget (AGENT_DEADLINE_SECONDS) for a whole run.

OLLAMA_TIMEOUT bounds each LLM call, but one run can make many calls (a creative answer:
up to 7 per attempt, times 3 attempts). The deadline ends the run before the reverse proxy
in front of the gateway gives up on the request (nginx `proxy_read_timeout` 300s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from django.conf import settings

from routing.ollama.errors import LlmUnavailableError

DEFAULT_DEADLINE_SECONDS = 240.0
T = TypeVar("T")


class Deadline:
    """Started when a run starts; every wait of the run is bounded by the same instant."""

    def __init__(self) -> None:
        self.seconds = float(getattr(settings, "AGENT_DEADLINE_SECONDS", DEFAULT_DEADLINE_SECONDS))
        self._loop = asyncio.get_running_loop()
        self._expires = self._loop.time() + self.seconds

    def error(self) -> LlmUnavailableError:
        return LlmUnavailableError(f"the agent missed its {self.seconds:g}s deadline")

    def check(self) -> None:
        """Raise LlmUnavailableError once the deadline has passed."""
        if self._loop.time() >= self._expires:
            raise self.error()

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await `awaitable`; at the deadline it is cancelled (and with it the in-flight
        Ollama request) and LlmUnavailableError is raised."""
        timer = asyncio.timeout_at(self._expires)
        try:
            async with timer:
                return await awaitable
        except TimeoutError as exc:
            if not timer.expired():
                raise  # a timeout of something inside, not ours
            raise self.error() from exc
