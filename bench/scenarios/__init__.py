"""The benchmark scenarios, in the order they run."""

from bench.scenarios import auth, cache, chat, memory, routing, slow, streaming

ALL = (chat, slow, streaming, cache, auth, memory, routing)
