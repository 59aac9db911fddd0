"""`POST /api/chat/` and `POST /api/chat/stream`: thin async views over the chat turn.

Each validates the ChatRequest, admits the turn (quota, cache, conversation, question)
and hands it to `turn_answer` (JSON) or the SSE body. Every response, errors included,
carries Server-Timing and, once the quota was counted, the X-RateLimit-* headers
(routing/chat/turn_view.py).
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey
from routing.chat.schema import chat_schema, chat_stream_schema
from routing.chat.serializers import CHAT_REQUEST, chat_response_body
from routing.chat.streaming import chat_stream
from routing.chat.turn import AgentEngine, Turn, TurnRequest, turn_admit, turn_answer
from routing.chat.turn_view import TurnApiView


class _ChatApiBase(TurnApiView):
    """What both chat endpoints share: validation and admission of the turn."""

    async def admit(self, request: Request) -> Turn:
        """Validate (a bad request costs no quota), then admit the turn."""
        data = CHAT_REQUEST.validate(request.data)
        self.turn = await turn_admit(
            TurnRequest(
                user=request.user,
                api_key=request.auth if isinstance(request.auth, ApiKey) else None,
                query=data["query"],
                history=[dict(m) for m in data["messages"]],
                conversation_id=data["conversation_id"],
            )
        )
        return self.turn


class ChatApi(_ChatApiBase):
    @chat_schema
    async def post(self, request: Request) -> Response:
        turn = await self.admit(request)
        answer = await turn_answer(turn, AgentEngine())
        return Response(chat_response_body(turn, answer))


class ChatStreamApi(_ChatApiBase):
    def perform_content_negotiation(self, request, force=False):
        # The stream bypasses renderers; errors before it are JSON whatever Accept says.
        return JSONRenderer(), JSONRenderer.media_type

    @chat_stream_schema
    async def post(self, request: Request) -> StreamingHttpResponse:
        turn = await self.admit(request)
        response = StreamingHttpResponse(chat_stream(turn), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        # Tells nginx not to buffer, so each event reaches the client when it is sent.
        response["X-Accel-Buffering"] = "no"
        return response
