"""The benchmark scenarios, in the order they run."""

from bench.scenarios import auth, cache, chat, fleet, memory, slow, streaming

ALL = (chat, slow, streaming, cache, auth, memory, fleet)
