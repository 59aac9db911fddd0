"""The usage counters' Redis keys (SPEC section 9), owned by metrics, which writes them.

`/api/user/me` and the admin usage API read them through these names.
"""

from __future__ import annotations


def usage_key(user_id: object, name: str) -> str:
    """Lifetime usage: `log:{user_id}:total_tokens`, `:request_count` or `:history`."""
    return f"log:{user_id}:{name}"
