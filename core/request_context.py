"""Per-request facts (request id, user id, flags) that log lines and error bodies read.

Context variables follow the request across `await` and into `sync_to_async` threads.
Flags a view sets for the middleware (e.g. that the answer came from the cache) live in
one mutable `RequestFacts` bound per request, so they reach the middleware whichever
task or thread set them — no private attributes on the request object.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestFacts:
    """What the request's handling found out that its access log line reports."""

    # True/False once a response-cache lookup decided; None when none was made.
    cached: bool | None = None


_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_user_id: ContextVar[str | None] = ContextVar("user_id", default=None)
_facts: ContextVar[RequestFacts | None] = ContextVar("request_facts", default=None)

# A client's own id is kept when it is a sane token; anything else is replaced.
_WELL_FORMED_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def accept_or_generate_request_id(incoming: str | None) -> str:
    if incoming and _WELL_FORMED_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def bind_request(request_id: str) -> RequestFacts:
    _request_id.set(request_id)
    _user_id.set(None)
    facts = RequestFacts()
    _facts.set(facts)
    return facts


def current_facts() -> RequestFacts:
    """The current request's facts (a detached instance outside a request)."""
    return _facts.get() or RequestFacts()


def bind_user(user_id: str | None) -> None:
    _user_id.set(user_id)


def current_request_id() -> str | None:
    return _request_id.get()


def current_user_id() -> str | None:
    return _user_id.get()
