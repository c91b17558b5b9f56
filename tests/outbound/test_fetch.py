"""Outbound fetches against real servers on loopback: the allowlist, redirects checked hop by hop, DNS rebinding,
refusals that do not tell ports apart, the wall-clock deadline, the size cap and the concurrency bound."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from catalog.outbound import (
    AddressNotAllowed,
    AddressPolicy,
    DeadlineExceeded,
    Outbound,
    OutboundBusy,
    OutboundError,
    ResponseTooLarge,
    SchemeNotAllowed,
)
from catalog.settings import Settings
from tests.harvest.remote import RemoteServer, Reply
from tests.outbound.servers import PUBLIC_ONLY, SECRET, RawServer, closed_port, ssh_banner, trickle


def fetch(outbound: Outbound, url: str, max_bytes: int = 1 << 20, **options: Any) -> tuple[int, bytes]:
    with outbound.open(url, max_bytes=max_bytes, **options) as response:
        return response.status, response.read()


def test_an_internal_file_is_refused_unless_the_allowlist_names_it(internal: RemoteServer) -> None:
    url = internal.url("/internal.csv")
    with pytest.raises(AddressNotAllowed):
        fetch(Outbound.from_settings(Settings()), url)
    assert internal.hits["/internal.csv"] == 0  # refused before connecting
    assert fetch(Outbound.from_settings(Settings(outbound_allow="127.0.0.0/8,10.1.0.0/16")), url) == (200, SECRET)
    assert fetch(Outbound(AddressPolicy.parse("localhost")), url.replace("127.0.0.1", "localhost")) == (200, SECRET)


def test_a_redirect_from_an_allowed_host_to_an_internal_one_is_refused(public: RemoteServer,
                                                                       internal: RemoteServer) -> None:
    internal_port = internal.server.server_address[1]
    public.routes["/report.csv"] = lambda _q: Reply(302, headers={"Location": internal.url("/internal.csv")})
    public.routes["/decimal.csv"] = lambda _q: Reply(
        301, headers={"Location": f"http://2130706433:{internal_port}/internal.csv"})
    public.routes["/ok.csv"] = lambda _q: Reply(307, headers={"Location": "/final.csv"})
    public.add("/final.csv", b"a;b\n", "text/csv")
    outbound = Outbound(AddressPolicy.parse(PUBLIC_ONLY))
    for path in ("/report.csv", "/decimal.csv"):
        with pytest.raises(AddressNotAllowed):
            fetch(outbound, public.url(path))
    assert internal.hits["/internal.csv"] == 0
    with outbound.open(public.url("/ok.csv"), max_bytes=100) as response:
        assert (response.status, response.read(), response.url) == (200, b"a;b\n", public.url("/final.csv"))


def test_a_redirect_to_another_scheme_or_without_end_is_refused(public: RemoteServer) -> None:
    public.routes["/file"] = lambda _q: Reply(302, headers={"Location": "file:///etc/passwd"})
    public.routes["/loop"] = lambda _q: Reply(302, headers={"Location": "/loop"})
    outbound = Outbound(AddressPolicy.parse(PUBLIC_ONLY))
    with pytest.raises(SchemeNotAllowed):
        fetch(outbound, public.url("/file"))
    with pytest.raises(OutboundError, match="More than 3 redirects"):
        fetch(outbound, public.url("/loop"), max_redirects=3)
    assert public.hits["/loop"] == 4
    for url in ("file:///etc/passwd", "ftp://127.0.0.2/x", "gopher://127.0.0.2/", "/relative"):
        with pytest.raises(SchemeNotAllowed):
            fetch(outbound, url)


def test_credentials_are_not_carried_to_another_origin(public: RemoteServer, internal: RemoteServer) -> None:
    public.routes["/moved"] = lambda _q: Reply(302, headers={"Location": internal.url("/internal.csv")})
    fetch(Outbound(AddressPolicy.parse("127.0.0.0/8")), public.url("/moved"),
          headers={"Authorization": "secret-key", "Accept": "text/csv"})
    assert public.headers["/moved"]["Authorization"] == "secret-key"
    assert "Authorization" not in internal.headers["/internal.csv"]
    assert internal.headers["/internal.csv"]["Accept"] == "text/csv"


def test_the_connection_goes_to_the_address_that_was_checked(twin_servers: tuple[RemoteServer, RemoteServer]) -> None:
    """DNS rebinding: the name answers an allowed address when checked, an internal one the next time. The
    fetch resolves once and connects to the checked address, so the second answer is never used."""
    public, internal = twin_servers
    answers = [["127.0.0.2"], ["127.0.0.1"], ["127.0.0.1"]]
    asked: list[str] = []

    def rebinding_resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    outbound = Outbound(AddressPolicy.parse(PUBLIC_ONLY), resolver=rebinding_resolver)
    port = public.server.server_address[1]
    assert fetch(outbound, f"http://rebind.test:{port}/data.csv") == (200, b"public;data\n")
    assert asked == ["rebind.test"]
    assert internal.hits["/data.csv"] == 0 and public.hits["/data.csv"] == 1
    assert public.headers["/data.csv"]["Host"] == f"rebind.test:{port}"  # the name is kept for the server


def test_a_refusal_reads_the_same_for_closed_open_and_non_http_ports(internal: RemoteServer,
                                                                    raw_server: Callable[..., RawServer]) -> None:
    ssh = raw_server(ssh_banner)
    ports = [closed_port(), internal.server.server_address[1], ssh.port]
    messages = set()
    for port in ports:
        with pytest.raises(AddressNotAllowed) as refused:
            fetch(Outbound(AddressPolicy()), f"http://127.0.0.1:{port}/internal.csv")
        messages.add(str(refused.value))
    assert len(messages) == 1 and messages.pop().startswith("address not allowed")
    assert ssh.connections == 0 and internal.hits["/internal.csv"] == 0


@pytest.mark.parametrize("first", [
    b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n",  # a trickling body
    b"HTTP/1.1 200 OK\r\nX-Slow: ",  # trickling headers
])
def test_the_deadline_ends_a_server_that_trickles_one_byte_a_second(first: bytes,
                                                                   raw_server: Callable[..., RawServer]) -> None:
    """Each byte comes well within the read timeout, so only a wall-clock deadline can end the fetch."""
    slow = raw_server(trickle(first))
    outbound = Outbound(AddressPolicy.parse("127.0.0.0/8"), deadline_seconds=2)
    with pytest.raises(DeadlineExceeded, match="longer than the 2 s"):
        fetch(outbound, f"http://127.0.0.1:{slow.port}/slow.csv", read_timeout=60)
    slow.wait_handlers()
    assert slow.cut_off == 1  # the fetch hung up while the server still had bytes to trickle


def test_the_size_cap_holds_for_declared_and_streamed_bodies(public: RemoteServer) -> None:
    public.add("/declared", b"x" * 2000, "text/csv")
    public.routes["/streamed"] = lambda _q: Reply(200, [b"x" * 1000] * 5, "text/csv")
    outbound = Outbound(AddressPolicy.parse(PUBLIC_ONLY))
    with pytest.raises(ResponseTooLarge, match="Response of 2000 bytes exceeds the limit of 1500 bytes"):
        fetch(outbound, public.url("/declared"), max_bytes=1500)
    with pytest.raises(ResponseTooLarge, match="exceeds the limit of 1500 bytes"):
        fetch(outbound, public.url("/streamed"), max_bytes=1500)


def test_fetches_beyond_the_concurrency_bound_wait_then_give_up_within_their_deadline(public: RemoteServer) -> None:
    entered, release = threading.Event(), threading.Event()

    def hold(_query: dict[str, list[str]]) -> Reply:
        entered.set()
        release.wait(30)
        return Reply(200, b"held", "text/csv")

    public.routes["/held"] = hold
    public.add("/other", b"other", "text/csv")
    policy = AddressPolicy.parse(PUBLIC_ONLY)
    results: list[tuple[int, bytes]] = []
    first = threading.Thread(target=lambda: results.append(
        fetch(Outbound(policy, max_concurrent=1, deadline_seconds=30), public.url("/held"))))
    first.start()
    try:
        assert entered.wait(10)
        with pytest.raises(OutboundBusy, match="Too many outbound fetches"):
            fetch(Outbound(policy, max_concurrent=1, deadline_seconds=1), public.url("/other"))
        assert public.hits["/other"] == 0  # it never connected
    finally:
        release.set()
        first.join(30)
    assert results == [(200, b"held")]
    assert fetch(Outbound(policy, max_concurrent=1, deadline_seconds=5), public.url("/other")) == (200, b"other")
