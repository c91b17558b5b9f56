"""DataStore loads of resource URLs go through the outbound rules: an internal address is never fetched (so
never readable through datastore_search), the error does not tell ports apart, and slow servers are cut off."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotFound
from tests.datastore.conftest import wait_for_load
from tests.harvest.remote import RemoteServer, Reply
from tests.outbound.servers import PUBLIC_HOST, PUBLIC_ONLY, SECRET, RawServer, closed_port, ssh_banner, trickle

REFUSED = "Fetching the resource's URL failed: address not allowed"


@pytest.fixture
def internal() -> Iterator[RemoteServer]:
    server = RemoteServer()
    server.add("/internal.csv", SECRET, "text/csv")
    yield server
    server.close()


def submit(call: Any, sysadmin: Any, dataset: dict[str, Any], url: str) -> dict[str, Any]:
    created = call("resource_create", sysadmin, package_id=dataset["id"], url=url, format="CSV")
    assert call("datastore_submit", sysadmin, resource_id=created["id"]) is True
    return {"id": created["id"], **wait_for_load(call, sysadmin, created["id"])}


def test_a_url_on_an_internal_address_is_refused_and_never_readable(call, sysadmin, dataset, internal) -> None:
    for url in (internal.url("/internal.csv"), internal.url("/internal.csv").replace("127.0.0.1", "2130706433"),
                internal.url("/internal.csv").replace("127.0.0.1", "[::ffff:127.0.0.1]")):
        status = submit(call, sysadmin, dataset, url)
        assert status["status"] == "error" and status["error"]["message"].startswith(REFUSED), status
        with pytest.raises(NotFound):
            call("datastore_search", ANONYMOUS, resource_id=status["id"])
        assert call("datastore_load_status", ANONYMOUS, resource_id=status["id"])["error"] == status["error"]
    assert internal.hits["/internal.csv"] == 0


def test_load_errors_do_not_tell_closed_open_and_non_http_ports_apart(call, sysadmin, dataset, internal) -> None:
    ssh = RawServer(ssh_banner)
    try:
        ports = [closed_port(), internal.server.server_address[1], ssh.port]
        messages = {submit(call, sysadmin, dataset, f"http://127.0.0.1:{port}/internal.csv")["error"]["message"]
                    for port in ports}
    finally:
        ssh.close()
    assert len(messages) == 1 and messages.pop().startswith(REFUSED)


def test_a_redirect_to_an_internal_address_is_refused(call, sysadmin, dataset, internal, services,
                                                      monkeypatch) -> None:
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, outbound_allow=PUBLIC_ONLY))
    public = RemoteServer(PUBLIC_HOST)
    try:
        public.routes["/report.csv"] = lambda _q: Reply(302, headers={"Location": internal.url("/internal.csv")})
        status = submit(call, sysadmin, dataset, public.url("/report.csv"))
    finally:
        public.close()
    assert status["status"] == "error" and status["error"]["message"].startswith(REFUSED)
    assert public.hits["/report.csv"] == 1 and internal.hits["/internal.csv"] == 0


def test_a_load_from_a_trickling_server_ends_at_the_deadline(call, sysadmin, dataset, services,
                                                             monkeypatch) -> None:
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, outbound_allow="127.0.0.0/8",
                                                      outbound_deadline_seconds=2))
    slow = RawServer(trickle(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\na;b\n"))
    try:
        status = submit(call, sysadmin, dataset, f"http://127.0.0.1:{slow.port}/slow.csv")
        slow.wait_handlers()
    finally:
        slow.close()
    assert status["status"] == "error" and "longer than the 2 s" in status["error"]["message"], status
    assert slow.cut_off == 1  # the load hung up while the server still had bytes to trickle
