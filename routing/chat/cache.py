"""The response cache: `cache:{md5}` in Redis, for questions asked without prior history.

The key hashes the normalised question together with the settings that decide which
models answer it, so changing MODEL_SIMPLE or MODEL_COMPLEX does not serve answers the
old models wrote. The entry is the answer as the wire shows it (`wire.answer_fields`), so
a hit is served exactly as it was first answered. The chat turn does the lookup in its one
Redis round trip before the agent and the store in its one round trip after; Redis being
down only means no caching.
"""

from __future__ import annotations

import hashlib
import json
import logging
import unicodedata
from typing import Any

from django.conf import settings

from routing.answer import Answer

logger = logging.getLogger(__name__)

# Bump when the cached JSON changes shape, so old entries are simply not found.
CACHE_FORMAT = "v2"


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


def cache_decode(raw: str | None) -> Answer | None:
    """The answer a cache entry holds; None for a miss or an entry we cannot read."""
    if raw is None:
        return None
    try:
        return Answer.from_fields(json.loads(raw)).served_from_cache()
    except (ValueError, TypeError, KeyError, AttributeError):
        # An entry we cannot read is a miss; the next answer overwrites it.
        logger.warning("ignoring an unreadable response cache entry")
        return None


def cache_store_fill(query: str, entry: dict[str, Any]):
    """The SET (with CACHE_TTL_SECONDS) of `entry`, for the turn's closing pipeline."""
    payload = json.dumps(entry, ensure_ascii=False)
    key, ttl = cache_key(query), settings.CACHE_TTL_SECONDS
    return lambda pipe: pipe.set(key, payload, ex=ttl)
