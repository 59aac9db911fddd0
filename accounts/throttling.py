"""Login throttle in Redis: too many attempts for one username or one address → locked.

`login_fail:user:{username}` and `login_fail:ip:{address}` count sign-in attempts. An
attempt is reserved, counted under both keys in one Lua script, *before* the password is
checked, so concurrent guesses cannot all pass a check while the slow hash runs: at most
the budget ever reaches the password check. A success clears its username's counter and
gives its address's attempt back, so in effect only failures count. Each counter expires
LOGIN_LOCKOUT_SECONDS after its first attempt, so a lockout always ends on its own: someone
guessing at a username can delay its owner, never lock them out for good. An address gets
IP_FAILURE_FACTOR times the per-username budget, because several people may share it.
When Redis is down the throttle fails open (sign-in still works) and a warning is logged.

The one caller is accounts.backends.ThrottledModelBackend, which both the API login and
the Django admin's sign-in page go through.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest

from core.redis_client import REDIS_DOWN_ERRORS, sync_redis

logger = logging.getLogger(__name__)

IP_FAILURE_FACTOR = 4


def client_ip(request: HttpRequest) -> str:
    """The address the throttle counts a request under: REMOTE_ADDR.

    The ASGI layer (core/proxies.py) has already replaced it with the address a trusted
    proxy (TRUSTED_PROXIES) reported, and dropped X-Forwarded-For from anyone else.
    """
    return request.META.get("REMOTE_ADDR", "")


def username_key(username: str) -> str:
    return f"login_fail:user:{username.casefold()}"


def ip_key(ip: str) -> str:
    return f"login_fail:ip:{ip}"


def _limits(*, username: str, ip: str) -> list[tuple[str, int]]:
    limits = [(username_key(username), settings.LOGIN_MAX_FAILURES)]
    if ip:
        limits.append((ip_key(ip), settings.LOGIN_MAX_FAILURES * IP_FAILURE_FACTOR))
    return limits


# KEYS: the counters; ARGV[1]: the window in seconds; ARGV[i + 1]: the limit of KEYS[i].
# A locked key admits nothing and counts nothing: the reply is the seconds until the last
# lock ends. Otherwise the attempt is counted under every key (the first attempt in a
# window starts its clock) and the reply is 0. A key found without a TTL (never expected)
# gets one, so no counter can lock out for good.
_RESERVE = """
local wait = 0
for i, key in ipairs(KEYS) do
    if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
        local ttl = redis.call('TTL', key)
        if ttl == -1 then
            redis.call('EXPIRE', key, ARGV[1])
            ttl = tonumber(ARGV[1])
        end
        wait = math.max(wait, ttl, 1)
    end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
    redis.call('INCR', key)
    if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
end
return 0
"""

# KEYS[1]: the username's counter, cleared; KEYS[2] (if any): the address's, one given back.
_RELEASE = """
redis.call('DEL', KEYS[1])
if KEYS[2] and tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
    redis.call('DECR', KEYS[2])
end
return 1
"""


def login_attempt_reserve(*, username: str, ip: str) -> int:
    """Count an attempt before its password is checked: 0 admits it, else seconds to wait.

    `username` is expected NFKC-normalised (User.normalize_username); case is folded here.
    """
    limits = _limits(username=username, ip=ip)
    keys = [key for key, _limit in limits]
    budgets = [limit for _key, limit in limits]
    try:
        wait = sync_redis().eval(
            _RESERVE, len(keys), *keys, settings.LOGIN_LOCKOUT_SECONDS, *budgets
        )
    except REDIS_DOWN_ERRORS:
        logger.warning("login throttle unavailable (Redis down); allowing the attempt")
        return 0
    return int(wait)


def login_success_record(*, username: str, ip: str) -> None:
    """The password was right: forget the username's attempts, give the address's back."""
    keys = [key for key, _limit in _limits(username=username, ip=ip)]
    try:
        sync_redis().eval(_RELEASE, len(keys), *keys)
    except REDIS_DOWN_ERRORS:
        logger.warning("login throttle unavailable (Redis down); counter not cleared")
