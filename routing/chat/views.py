"""`POST /api/chat/` and `POST /api/chat/stream`: thin async views over the chat pipeline.

Both validate the ChatRequest, take one unit of quota, prepare the turn (`turn_begin`)
and hand it to the JSON pipeline or the SSE stream. Every response, errors included,
carries Server-Timing and, once the quota was counted, the X-RateLimit-* headers.
"""

from __future__ import annotations

from adrf.views import APIView
from django.http import StreamingHttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.budget import (
    Reservation,
    admission_check,
    budget_estimate,
    reservation_release,
)
from accounts.models import ApiKey
from accounts.quota import QuotaStatus, quota_consume
from accounts.scopes import AUTO_MODEL
from core.timing import RequestTiming, timing_start
from routing.chat.pipeline import chat_complete
from routing.chat.schema import chat_schema, chat_stream_schema
from routing.chat.serializers import ChatRequestSerializer, ChatResponseSerializer
from routing.chat.streaming import chat_stream
from routing.chat.turn import ChatTurn, turn_begin


class _ChatApiBase(APIView):
    """What both chat endpoints share: timing, the quota gate, turn preparation, headers."""

    timing: RequestTiming
    quota: QuotaStatus | None = None
    reservation: Reservation | None = None

    async def async_dispatch(self, request, *args, **kwargs):
        # Started before authentication so `gateway` covers the whole request.
        self.timing = timing_start()
        return await super().async_dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.quota is not None:
            for name, value in self.quota.headers().items():
                response.headers.setdefault(name, value)
        if self.reservation is not None:
            for name, value in self.reservation.headers().items():
                response.headers.setdefault(name, value)
        # A stream's headers leave before the model runs: only what is known by then.
        response["Server-Timing"] = self.timing.header(llm=not response.streaming)
        return response

    async def begin_turn(self, request: Request) -> ChatTurn:
        """Validate (a bad request costs no quota), count the quota, prepare the turn."""
        serializer = ChatRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        messages = [dict(m) for m in data["messages"]]
        # Budgets and key scopes (issue 16): /api/chat/ is the routed agent, model "auto".
        prompt_chars = len(data["query"]) + sum(len(m.get("content") or "") for m in messages)
        self.reservation = await admission_check(
            user=request.user,
            api_key=api_key,
            model=AUTO_MODEL,
            estimate=budget_estimate(prompt_chars=prompt_chars),
        )
        try:
            self.quota = await quota_consume(user=request.user)
            turn = await turn_begin(
                user=request.user,
                api_key=api_key,
                query=data["query"],
                messages=messages,
                conversation_id=data["conversation_id"],
            )
        except BaseException:
            await reservation_release(self.reservation)
            raise
        turn.reservation = self.reservation
        # The access log line (core.middleware) reports cache hits.
        request._request.cached = turn.cached is not None
        return turn


class ChatApi(_ChatApiBase):
    @chat_schema
    async def post(self, request: Request) -> Response:
        turn = await self.begin_turn(request)
        body = await chat_complete(turn)
        return Response(ChatResponseSerializer(body).data)


class ChatStreamApi(_ChatApiBase):
    def perform_content_negotiation(self, request, force=False):
        # The stream bypasses renderers; errors before it are JSON whatever Accept says.
        return JSONRenderer(), JSONRenderer.media_type

    @chat_stream_schema
    async def post(self, request: Request) -> StreamingHttpResponse:
        turn = await self.begin_turn(request)
        response = StreamingHttpResponse(await chat_stream(turn), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        # Tells nginx not to buffer, so each event reaches the client when it is sent.
        response["X-Accel-Buffering"] = "no"
        return response
