"""The base of every view that serves a chat turn: `/api/chat/`, its stream, `/v1` and `/ollama`.

What they share: the request timing (started before authentication, so `gateway` in
Server-Timing covers the whole request), the rate-limit and budget headers once the turn
was admitted, and DRF's `initial` (authentication's one query included) and the JSON body
on the event loop (core/views.py).
"""

from __future__ import annotations

from core.timing import RequestTiming, timing_start
from core.views import LoopApiView, rendered_on_loop
from routing.chat.turn import Turn


class TurnApiView(LoopApiView):
    timing: RequestTiming
    turn: Turn | None = None

    async def async_dispatch(self, request, *args, **kwargs):
        self.timing = timing_start()
        return await super().async_dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.turn is not None:
            for limit in (self.turn.quota, self.turn.reservation):
                # X-RateLimit-*, then X-Budget-Remaining-Day / -Month.
                for name, value in (limit.headers() if limit is not None else {}).items():
                    response.headers.setdefault(name, value)
        # A stream's headers leave before the model runs: only what is known by then.
        response["Server-Timing"] = self.timing.header(llm=not response.streaming)
        return rendered_on_loop(response)
