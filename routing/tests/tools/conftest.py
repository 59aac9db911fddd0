"""Fixtures for the tool tests: the canary and origin servers, fake DNS, fake search."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from routing.tests.fakes import fake_search  # noqa: F401  (until registered globally)
from routing.tests.tools.loopback import ORIGIN_ADDRESS, Canary, FakeDns, LoopbackServer


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.close()


@pytest.fixture
def origin() -> Iterator[LoopbackServer]:
    try:
        server = LoopbackServer(ORIGIN_ADDRESS)
    except OSError:
        pytest.skip(f"{ORIGIN_ADDRESS} is not a loopback address on this host")
    yield server
    server.close()


@pytest.fixture
def fake_dns(monkeypatch) -> FakeDns:
    dns = FakeDns(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    return dns
