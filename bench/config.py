"""How much each scenario runs: the full benchmark and the `--quick` smoke version."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    """Request counts, concurrency levels and time bounds of one benchmark run."""

    chat_levels: tuple[tuple[int, int], ...]  # (concurrency, requests per side)
    warmup: int  # requests per side before measuring a level
    rounds: int  # gateway and direct alternate this many times per level
    slow_concurrency: int
    slow_latency: float  # seconds per LLM call
    slow_repeats: int
    stream_levels: tuple[tuple[int, int], ...]
    stream_chunks: int
    stream_chunk_interval: float
    cache_levels: tuple[tuple[int, int], ...]
    auth_levels: tuple[tuple[int, int], ...]
    memory_streams: int
    settle_seconds: float  # memory: pause before sampling RSS
    block_time_limit: float  # seconds: no measured block runs longer


FULL = Sizes(
    chat_levels=((1, 200), (10, 600), (50, 1000)),
    warmup=20,
    rounds=4,
    slow_concurrency=200,
    slow_latency=1.0,
    slow_repeats=3,
    stream_levels=((1, 40), (10, 100)),
    stream_chunks=20,
    stream_chunk_interval=0.05,
    cache_levels=((1, 300), (10, 1000)),
    auth_levels=((1, 200), (10, 600)),
    memory_streams=200,
    settle_seconds=2.0,
    block_time_limit=120.0,
)

QUICK = Sizes(
    chat_levels=((1, 6), (10, 20), (50, 50)),
    warmup=2,
    rounds=1,
    slow_concurrency=20,
    slow_latency=0.3,
    slow_repeats=1,
    stream_levels=((1, 3),),
    stream_chunks=5,
    stream_chunk_interval=0.02,
    cache_levels=((1, 10), (10, 20)),
    auth_levels=((1, 10), (10, 20)),
    memory_streams=20,
    settle_seconds=0.5,
    block_time_limit=20.0,
)
