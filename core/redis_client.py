"""The one place Redis clients come from, sync (django-redis) and async (redis.asyncio).

Async clients hold connections bound to an event loop, so one is kept per running loop.
Timeouts are short (REDIS_SOCKET_TIMEOUT) so a stopped Redis fails fast instead of hanging.
"""

from __future__ import annotations

import asyncio
import weakref

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django_redis import get_redis_connection
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff

_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
    weakref.WeakKeyDictionary()
)

# Errors that mean "Redis is not there right now" rather than a bug in our code.
REDIS_DOWN_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)


def sync_redis() -> redis.Redis:
    return get_redis_connection("default")


def async_redis() -> aioredis.Redis:
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = aioredis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            decode_responses=True,
            health_check_interval=30,
            # One immediate retry replaces a connection that went stale across a Redis
            # restart; the default (three, with backoff) would stall every request for
            # seconds while Redis is down. Not on timeouts: a frozen Redis would cost each
            # call twice REDIS_SOCKET_TIMEOUT.
            retry=AsyncRetry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )
        _async_clients[loop] = client
    return client
