"""Metrics the chat pipeline records: LLM usage, cache, quota, guard and Redis fallbacks.

All are async and never raise: with Redis down the sample is dropped (and a warning is
logged at most once a minute by the store), so a metrics problem never fails a chat. Each
call is one pipelined round trip. Labels must stay low-cardinality: `model` is a configured
model name and `intent` one of the four intents, never user input.
"""

from __future__ import annotations

from metrics import store


async def record_llm_usage(
    model: str, intent: str, prompt_tokens: int, completion_tokens: int, latency_ms: float
) -> None:
    """One LLM call: its count, Ollama's token counts and its latency, by model and intent."""
    await store.awrite(llm_usage_fill(model, intent, prompt_tokens, completion_tokens, latency_ms))


def llm_usage_fill(
    model: str, intent: str, prompt_tokens: int, completion_tokens: int, latency_ms: float
) -> store.Fill:
    """`record_llm_usage`'s commands, for a caller that writes them with others."""
    labels = (model, intent)

    def fill(pipe) -> None:
        pipe.hincrby(store.LLM_CALLS, store.field(*labels), 1)
        pipe.hincrby(store.LLM_TOKENS, store.field(*labels, "prompt"), max(0, int(prompt_tokens)))
        pipe.hincrby(
            store.LLM_TOKENS, store.field(*labels, "completion"), max(0, int(completion_tokens))
        )
        seconds = max(0.0, latency_ms / 1000)
        store.observe(pipe, store.LLM_LATENCY, labels, seconds, store.LLM_BUCKETS)

    return fill


async def record_cache(hit: bool) -> None:
    """A response-cache lookup, hit or miss."""
    await store.awrite(cache_fill(hit))


def cache_fill(hit: bool) -> store.Fill:
    result = "hit" if hit else "miss"
    return lambda pipe: pipe.hincrby(store.CACHE, result, 1)


def guard_block_fill() -> store.Fill:
    return lambda pipe: pipe.hincrby(store.EVENTS, "guard_blocks", 1)


async def record_quota_rejection() -> None:
    """A request refused with 429 because the caller was over quota."""
    await store.awrite(lambda pipe: pipe.hincrby(store.EVENTS, "quota_rejections", 1))


async def record_guard_block() -> None:
    """A query the input guard blocked."""
    await store.awrite(guard_block_fill())


async def record_redis_fallback(kind: str) -> None:
    """A degraded-mode decision taken because Redis failed (e.g. `quota_fail_open`).

    Such events happen while Redis is unreachable, so the count is kept in this process
    and written with the next write that reaches Redis, instead of being dropped.
    """
    store.increment_later(store.REDIS_FALLBACKS, kind)
    await store.awrite(lambda pipe: None)


async def record_routing(router: str, intent: str) -> None:
    """Who routed a chat (`fast` pre-router, `llm` classifier, `heuristic`) and to which intent."""
    await store.awrite(lambda pipe: pipe.hincrby(store.ROUTING, store.field(router, intent), 1))
