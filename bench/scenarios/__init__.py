"""The benchmark scenarios, in the order they run."""

from bench.scenarios import (
    auth,
    cache,
    chat,
    fleet,
    memory,
    passthrough,
    routing,
    slow,
    streaming,
)

ALL = (chat, passthrough, slow, streaming, cache, auth, memory, routing, fleet)
