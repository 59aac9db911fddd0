"""A request's data rides in its one closing metrics write, whatever the client does."""

from __future__ import annotations

import asyncio

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core.redis_client import sync_redis
from metrics import store
from metrics.middleware import RequestMetricsMiddleware

DATA_KEY = "test:carried"


@pytest.fixture
def pipelines(monkeypatch):
    """How many pipelines the store executed (each is one Redis round trip)."""
    executed = []
    build = store._pipeline

    def counting(*args, **kwargs):
        executed.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(store, "_pipeline", counting)
    return executed


def _data(pipe) -> None:
    pipe.incrby(DATA_KEY, 1)


def _middleware(view):
    return RequestMetricsMiddleware(view)


async def test_data_written_while_handling_a_request_shares_its_metrics_write(pipelines):
    async def view(request):
        await store.awrite_data(_data)
        assert sync_redis().get(DATA_KEY) is None  # not yet: it waits for the closing write
        return HttpResponse("ok")

    response = await _middleware(view)(RequestFactory().get("/probe"))

    assert response.status_code == 200
    assert sync_redis().get(DATA_KEY) == b"1"
    assert sync_redis().exists(store.HTTP_LATENCY)
    assert len(pipelines) == 1


async def test_a_cancelled_request_still_writes_the_data_it_carried(pipelines):
    carried = asyncio.Event()

    async def view(request):
        await store.awrite_data(_data)
        carried.set()
        await asyncio.Event().wait()  # the client leaves while the view waits

    handling = asyncio.create_task(_middleware(view)(RequestFactory().get("/probe")))
    await carried.wait()
    handling.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handling

    assert sync_redis().get(DATA_KEY) == b"1"
    assert not sync_redis().exists(store.HTTP_LATENCY)  # a cancelled request is no sample


async def test_data_after_the_metrics_write_goes_out_at_once(pipelines):
    # A stream's turn closes after its headers (and the request's metrics) have left.
    async def view(request):
        return HttpResponse("headers sent")

    await _middleware(view)(RequestFactory().get("/probe"))
    await store.awrite_data(_data)

    assert sync_redis().get(DATA_KEY) == b"1"
    assert len(pipelines) == 2


async def test_data_outside_any_request_is_written_at_once():
    await store.awrite_data(_data)

    assert sync_redis().get(DATA_KEY) == b"1"
