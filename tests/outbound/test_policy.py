"""The address policy: which hosts and addresses an outbound fetch may reach, however they are spelled."""

from __future__ import annotations

import ipaddress

import pytest

from catalog.outbound import AddressNotAllowed, AddressPolicy, Outbound
from tests.harvest.remote import RemoteServer

# Every way of naming the fetching host or its private neighbours that an attacker might try.
INTERNAL_SPELLINGS = [
    "localhost", "127.0.0.1", "127.1", "2130706433", "0x7f.1", "0x7f000001", "017700000001", "[::ffff:127.0.0.1]",
    "0.0.0.0", "0", "[::]", "[::1]", "169.254.169.254", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "[fe80::1]", "[fc00::1]", "[ff02::1]", "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]", "[::ffff:169.254.169.254]",
]


@pytest.mark.parametrize("host", INTERNAL_SPELLINGS)
def test_every_spelling_of_an_internal_address_is_refused(host: str, internal: RemoteServer) -> None:
    port = internal.server.server_address[1]
    with pytest.raises(AddressNotAllowed, match="^address not allowed"):
        with Outbound(AddressPolicy()).open(f"http://{host}:{port}/internal.csv", max_bytes=1024):
            pass
    assert internal.hits["/internal.csv"] == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "[::]", "169.254.169.254", "[::1]"])
def test_allowing_loopback_does_not_allow_its_neighbours(host: str) -> None:
    """0.0.0.0 reaches the local host on Linux, but it is not inside 127.0.0.0/8: still refused."""
    with pytest.raises(AddressNotAllowed):
        with Outbound(AddressPolicy.parse("127.0.0.0/8")).open(f"http://{host}:9/x", max_bytes=1024):
            pass


def test_the_allowlist_reads_cidrs_addresses_and_host_names() -> None:
    policy = AddressPolicy.parse(" 127.0.0.0/8, 10.1.0.0/16,fd00::/8 , 192.168.0.7, Intranet.Example. ,")
    allowed = {
        ("x.test", "127.0.0.5"), ("x.test", "10.1.200.3"), ("x.test", "fd12::1"), ("x.test", "192.168.0.7"),
        ("x.test", "::ffff:127.0.0.1"), ("intranet.example", "10.9.9.9"), ("INTRANET.example.", "172.16.0.1"),
        ("x.test", "8.8.8.8"), ("x.test", "2001:4860:4860::8888"),
    }
    refused = {("x.test", "10.2.0.1"), ("x.test", "192.168.0.8"), ("x.test", "169.254.169.254"),
               ("other.example", "10.9.9.9"), ("x.test", "0.0.0.0"), ("x.test", "::1")}
    for host, address in allowed:
        assert policy.permits(host, ipaddress.ip_address(address)), (host, address)
    for host, address in refused:
        assert not policy.permits(host, ipaddress.ip_address(address)), (host, address)


def test_one_internal_address_among_the_answers_refuses_the_host() -> None:
    """Which of several addresses a connection would use is not ours to predict: all must be allowed."""
    policy = AddressPolicy()
    with pytest.raises(AddressNotAllowed):
        policy.checked_addresses("mixed.test", 80, lambda _host, _port: ["8.8.8.8", "127.0.0.1"])
    assert policy.checked_addresses("ok.test", 80, lambda _h, _p: ["8.8.8.8"]) == [ipaddress.ip_address("8.8.8.8")]
