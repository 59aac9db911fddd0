"""Playing a `Reply` over the wire: NDJSON streaming or one JSON object, timing and faults.

Disconnects are seen two ways: aiohttp cancels the handler when the connection is lost
(`handler_cancellation=True`), and a write to a closed transport raises ConnectionResetError.
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from .script import Body, Reply
from .shapes import ChatShape, Delta, GenerateShape, Metrics, wire_tool_calls
from .state import ServerState, Ticket
from .wire import NDJSON_CONTENT_TYPE, error_response, json_response, ndjson_line

Shape = type[ChatShape] | type[GenerateShape]


def plan(reply: Reply, body: Body, shape: Shape) -> list[Delta]:
    """The chunks of the answer: thinking, content pieces, then the tool calls."""
    deltas = [Delta(thinking=reply.thinking)] if reply.thinking else []
    deltas += [Delta(content=piece) for piece in reply.pieces(body)]
    if reply.tool_calls and shape is ChatShape:
        deltas.append(Delta(tool_calls=wire_tool_calls(reply.tool_calls)))
    return deltas


def fault_cut(reply: Reply, total: int) -> int | None:
    """How many chunks go out before a mid-stream fault (None: no such fault)."""
    if reply.fault not in {"error_midstream", "drop_midstream", "hang_midstream"}:
        return None
    if reply.fault_after is not None:
        return min(reply.fault_after, total)
    return min(total, max(1, total // 2))


class _Clock:
    """Measures the phases so the final chunk reports plausible, non-zero durations."""

    def __init__(self) -> None:
        self.start = time.monotonic_ns()
        self.first: int | None = None

    def token(self) -> None:
        if self.first is None:
            self.first = time.monotonic_ns()

    def metrics(self, reply: Reply, produced: int) -> Metrics:
        end = time.monotonic_ns()
        first = self.first or end
        prompt_phase = max(2, first - self.start)
        load = max(1, prompt_phase // 4)
        eval_duration = max(1, end - first)
        eval_count = reply.eval_count if reply.eval_count is not None else max(1, produced)
        return Metrics(
            prompt_eval_count=reply.prompt_eval_count,
            eval_count=eval_count,
            total_duration=prompt_phase + eval_duration + 1,
            load_duration=load,
            prompt_eval_duration=prompt_phase - load,
            eval_duration=eval_duration,
        )


async def _forever() -> None:
    """Wait until the client goes away (the handler is then cancelled)."""
    await asyncio.Event().wait()


async def play(state: ServerState, request: web.Request, body: Body, reply: Reply, shape: Shape):
    """Answer one chat/generate request with `reply`; count it if the client leaves early."""
    ticket = state.open_stream(request)
    try:
        if body.get("stream") is False:
            return await _single(state, ticket, body, reply, shape)
        return await _stream(state, ticket, body, reply, shape)
    except asyncio.CancelledError:
        state.note_disconnect(ticket)
        raise
    finally:
        state.close_stream(ticket)


async def _stream(state: ServerState, ticket: Ticket, body: Body, reply: Reply, shape: Shape):
    model = body["model"]
    deltas = plan(reply, body, shape)
    clock = _Clock()
    await asyncio.sleep(reply.first_token_delay)
    if reply.fault == "hang":
        await _forever()
    if reply.fault == "http_500":
        return error_response(reply.http_status, reply.error_message)
    cut = fault_cut(reply, len(deltas))
    response = web.StreamResponse(headers={"Content-Type": NDJSON_CONTENT_TYPE})
    response.enable_chunked_encoding()
    try:
        await response.prepare(ticket.request)  # headers leave with the first chunk
        for index, delta in enumerate(deltas[:cut]):
            if index:
                await asyncio.sleep(reply.chunk_interval)
            await response.write(ndjson_line(shape.chunk(model, delta)))
            clock.token()
        if reply.fault == "error_midstream":
            await response.write(ndjson_line({"error": reply.error_message}))
        elif reply.fault == "drop_midstream":
            ticket.abort()
            return response
        elif reply.fault == "hang_midstream":
            await _forever()
        else:
            metrics = clock.metrics(reply, len(deltas))
            state.report(metrics)
            await response.write(
                ndjson_line(shape.final(model, reply.done_reason, metrics, Delta()))
            )
        await response.write_eof()
    except ConnectionResetError:
        state.note_disconnect(ticket)
    return response


async def _single(
    state: ServerState, ticket: Ticket, body: Body, reply: Reply, shape: Shape
) -> web.StreamResponse:
    """`stream:false`: the whole generation time passes, then one object (or an error)."""
    deltas = plan(reply, body, shape)
    clock = _Clock()
    await asyncio.sleep(reply.first_token_delay)
    if reply.fault == "hang":
        await _forever()
    if reply.fault == "http_500":
        return error_response(reply.http_status, reply.error_message)
    cut = fault_cut(reply, len(deltas))
    produced = deltas[:cut]
    clock.token()
    await asyncio.sleep(reply.chunk_interval * max(0, len(produced) - 1))
    if reply.fault == "error_midstream":
        # Without a stream the runner's failure becomes a plain 500.
        return error_response(reply.http_status, reply.error_message)
    if reply.fault == "drop_midstream":
        ticket.abort()
        return web.Response()
    if reply.fault == "hang_midstream":
        await _forever()
    metrics = clock.metrics(reply, len(deltas))
    state.report(metrics)
    return json_response(
        shape.final(body["model"], reply.done_reason, metrics, Delta.joined(deltas))
    )
