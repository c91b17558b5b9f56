from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harvest.remote import FakeCkan, RemoteServer


@pytest.fixture
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer()
    yield server
    server.close()


@pytest.fixture
def fake_ckan(remote: RemoteServer) -> FakeCkan:
    return FakeCkan(remote, prefix="/ckan")
