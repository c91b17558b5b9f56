"""Fixtures for the outbound-fetch tests: the internal and public servers of tests/outbound/servers.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.harvest.remote import RemoteServer
from tests.outbound.servers import INTERNAL_HOST, PUBLIC_HOST, SECRET, RawServer, Talk


@pytest.fixture
def internal() -> Iterator[RemoteServer]:
    """The server an attacker wants read: /internal.csv on 127.0.0.1."""
    server = RemoteServer(INTERNAL_HOST)
    server.add("/internal.csv", SECRET, "text/csv")
    yield server
    server.close()


@pytest.fixture
def public() -> Iterator[RemoteServer]:
    server = RemoteServer(PUBLIC_HOST)
    yield server
    server.close()


@pytest.fixture
def twin_servers() -> Iterator[tuple[RemoteServer, RemoteServer]]:
    """(public, internal) on the same port of 127.0.0.2 and 127.0.0.1: one host name, two possible answers."""
    for _attempt in range(20):
        internal = RemoteServer(INTERNAL_HOST)
        try:
            public = RemoteServer(PUBLIC_HOST, internal.server.server_address[1])
        except OSError:  # that port is taken on 127.0.0.2: pick another
            internal.close()
            continue
        public.add("/data.csv", b"public;data\n", "text/csv")
        internal.add("/data.csv", SECRET, "text/csv")
        yield public, internal
        public.close()
        internal.close()
        return
    raise RuntimeError("no port free on both 127.0.0.1 and 127.0.0.2")


@pytest.fixture
def raw_server() -> Iterator[Callable[[Talk], RawServer]]:
    started: list[RawServer] = []

    def start(talk: Talk) -> RawServer:
        started.append(RawServer(talk))
        return started[-1]

    yield start
    for server in started:
        server.close()
