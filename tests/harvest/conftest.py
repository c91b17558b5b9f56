from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from catalog.context import Actor
from harvest.runner import RunOptions, harvest_source
from tests.conftest import LOOPBACK_ALLOW
from tests.harvest.remote import FakeCkan, RemoteServer, ckan_package

# Tests must not wait on real backoff: 2 quick retries, short timeouts.
FAST_HTTP = {"retries": 2, "backoff_factor": 0.01, "backoff_max": 0.05, "read_timeout": 1.0,
             "connect_timeout": 1.0}


@pytest.fixture(autouse=True)
def _fixture_servers_on_loopback(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Harvest tests harvest from servers on 127.0.0.1, which outbound fetches refuse by default: allow it
    explicitly, in this process's settings and (MOISSON_OUTBOUND_ALLOW) for the CLI and worker processes."""
    monkeypatch.setenv("MOISSON_OUTBOUND_ALLOW", LOOPBACK_ALLOW)
    if "services" in request.fixturenames:
        request.getfixturevalue("outbound_allow_loopback")


@pytest.fixture
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer()
    yield server
    server.close()


@pytest.fixture
def fake_ckan(remote: RemoteServer) -> FakeCkan:
    return FakeCkan(remote, prefix="/ckan")


@pytest.fixture
def make_source(call: Any, sysadmin: Actor, org: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    def make(url: str, source_type: str = "ckan", name: str = "remote-source", **config: Any) -> dict[str, Any]:
        config = {"http": FAST_HTTP, **config}
        return call("harvest_source_create", sysadmin, name=name, url=url, source_type=source_type,
                    title=f"Source {name}", owner_org=org["id"], config=config)

    return make


@pytest.fixture
def run(services: Any) -> Callable[..., dict[str, Any]]:
    def run_source(source: dict[str, Any], force_all: bool = False, **options: Any) -> dict[str, Any]:
        return harvest_source(services, source["id"], RunOptions(**options), force_all=force_all)

    return run_source


@pytest.fixture
def filled_ckan(fake_ckan: FakeCkan) -> FakeCkan:
    for number in range(30):
        fake_ckan.put(ckan_package(number))
    return fake_ckan
