"""The benchmark scenarios, in the order they run."""

from bench.scenarios import auth, cache, chat, fleet, memory, routing, slow, streaming

ALL = (chat, slow, streaming, cache, auth, memory, routing, fleet)
