"""Login failure counters in Redis: too many failures for one username or one IP → 429.

`login_fail:user:{username}` and `login_fail:ip:{address}` count failed sign-ins. Each
counter expires LOGIN_LOCKOUT_SECONDS after its first failure, so a lockout always ends on
its own: someone guessing at a username can delay its owner, never lock them out for good.
Only failures count, and a successful sign-in clears its username's counter. An address
gets IP_FAILURE_FACTOR times the per-username budget, because several people may share it.
When Redis is down the check fails open (sign-in still works) and a warning is logged.

The client address is REMOTE_ADDR. Behind our nginx (`proxy_set_header X-Forwarded-For
$proxy_add_x_forwarded_for`) REMOTE_ADDR is the proxy's private address and the real client
is the last X-Forwarded-For hop, the one nginx appended; the earlier hops come from the
client and are never trusted. A public REMOTE_ADDR means no proxy, so the header is ignored.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

from accounts.errors import TooManyAttempts
from llmgateway.redis_client import REDIS_DOWN_ERRORS, sync_redis

logger = logging.getLogger(__name__)

IP_FAILURE_FACTOR = 4


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not _is_internal(remote):
        return remote
    last_hop = forwarded.split(",")[-1].strip()
    return last_hop if _is_ip(last_hop) else remote


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_internal(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.is_private or address.is_loopback


def username_key(username: str) -> str:
    return f"login_fail:user:{username.casefold()}"


def ip_key(ip: str) -> str:
    return f"login_fail:ip:{ip}"


def _limits(*, username: str, ip: str) -> list[tuple[str, int]]:
    limits = [(username_key(username), settings.LOGIN_MAX_FAILURES)]
    if ip:
        limits.append((ip_key(ip), settings.LOGIN_MAX_FAILURES * IP_FAILURE_FACTOR))
    return limits


def login_attempt_check(*, username: str, ip: str) -> None:
    """Raise TooManyAttempts (with Retry-After) when the username or the address is locked."""
    limits = _limits(username=username, ip=ip)
    try:
        pipe = sync_redis().pipeline(transaction=False)
        for key, _limit in limits:
            pipe.get(key)
            pipe.ttl(key)
        replies = pipe.execute()
    except REDIS_DOWN_ERRORS:
        logger.warning("login throttle unavailable (Redis down); allowing the attempt")
        return
    waits = [
        ttl if ttl > 0 else settings.LOGIN_LOCKOUT_SECONDS
        for (_key, limit), count, ttl in zip(limits, replies[0::2], replies[1::2], strict=True)
        if count is not None and int(count) >= limit
    ]
    if waits:
        raise TooManyAttempts(headers={"Retry-After": str(max(waits))})


# Count a failure under every key; the first failure in a window starts its clock. A key
# left without a TTL (never expected) gets one here, so no counter can lock out for good.
_RECORD_FAILURE = """
for _, key in ipairs(KEYS) do
    redis.call('INCR', key)
    if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
end
return 1
"""


def login_failure_record(*, username: str, ip: str) -> None:
    keys = [key for key, _limit in _limits(username=username, ip=ip)]
    try:
        sync_redis().eval(_RECORD_FAILURE, len(keys), *keys, settings.LOGIN_LOCKOUT_SECONDS)
    except REDIS_DOWN_ERRORS:
        logger.warning("login throttle unavailable (Redis down); failure not counted")


def login_success_record(*, username: str) -> None:
    try:
        sync_redis().delete(username_key(username))
    except REDIS_DOWN_ERRORS:
        logger.warning("login throttle unavailable (Redis down); counter not cleared")
