"""The response cache: `cache:{md5}` in Redis, for questions asked without prior history.

The key hashes the normalised question together with the settings that decide which
models answer it, so changing MODEL_SIMPLE or MODEL_COMPLEX does not serve answers the
old models wrote. Redis being down only means no caching: lookups miss, stores are skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import unicodedata

from django.conf import settings

from core.redis_client import REDIS_DOWN_ERRORS, async_redis
from core.timing import timed
from metrics import recorders
from routing.chat.answer import ChatAnswer

logger = logging.getLogger(__name__)

# Bump when the cached JSON changes shape, so old entries are simply not found.
CACHE_FORMAT = "v1"


def normalise_query(query: str) -> str:
    """NFKC, case-folded, whitespace collapsed: trivially different spellings share a key."""
    return " ".join(unicodedata.normalize("NFKC", query).casefold().split())


def cache_key(query: str) -> str:
    material = json.dumps(
        [CACHE_FORMAT, normalise_query(query), settings.MODEL_SIMPLE, settings.MODEL_COMPLEX],
        ensure_ascii=False,
    )
    digest = hashlib.md5(material.encode(), usedforsecurity=False).hexdigest()
    return f"cache:{digest}"


async def cache_lookup(query: str) -> ChatAnswer | None:
    """The cached answer to `query`, or None (a miss, a mangled entry, or Redis down)."""
    try:
        with timed("redis"):
            raw = await async_redis().get(cache_key(query))
    except REDIS_DOWN_ERRORS as exc:
        logger.warning("response cache lookup skipped, Redis unavailable: %s", exc)
        await recorders.record_redis_fallback("cache_skipped")
        return None
    answer = _decode(raw) if raw is not None else None
    await recorders.record_cache(answer is not None)
    return answer


async def cache_store(query: str, answer: ChatAnswer) -> None:
    """Keep `answer` for CACHE_TTL_SECONDS if it is cacheable (not blocked/fallback/error)."""
    if not answer.cacheable:
        return
    payload = json.dumps(answer.to_dict(), ensure_ascii=False)
    try:
        with timed("redis"):
            await async_redis().set(cache_key(query), payload, ex=settings.CACHE_TTL_SECONDS)
    except REDIS_DOWN_ERRORS as exc:
        logger.warning("response cache store skipped, Redis unavailable: %s", exc)


def _decode(raw: str) -> ChatAnswer | None:
    try:
        return ChatAnswer.from_dict(json.loads(raw))
    except (ValueError, TypeError, KeyError):
        # An entry we cannot read is a miss; the next answer overwrites it.
        logger.warning("ignoring an unreadable response cache entry")
        return None
