"""Which addresses an outbound fetch may connect to: public ones, plus what MOISSON_OUTBOUND_ALLOW names.

The host is resolved once, by the resolver the fetch connects with, so decimal, octal and hexadecimal IPv4
spellings (`2130706433`, `0x7f.1`, `017700000001`) are judged as the address they resolve to. IPv6 forms that
carry an IPv4 address (IPv4-mapped `::ffff:127.0.0.1`, 6to4, Teredo, NAT64) are judged on that address too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

from catalog.outbound.errors import AddressNotAllowed, HostNotFound

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses to try, as getaddrinfo gives them. Tests pass their own (DNS rebinding).
Resolver = Callable[[str, int], list[str]]
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise HostNotFound(host) from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: IPAddress) -> bool:
    """Globally reachable unicast: not loopback, private, shared, link-local (169.254.169.254 included),
    multicast, reserved, documentation or unspecified, whatever IPv4 address an IPv6 form carries."""
    return all(
        candidate.is_global
        and not (candidate.is_multicast or candidate.is_reserved or candidate.is_unspecified
                 or candidate.is_loopback or candidate.is_link_local or candidate.is_private)
        for candidate in _with_embedded(address)
    )


def _with_embedded(address: IPAddress) -> list[IPAddress]:
    if address.version == 4:
        return [address]
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]  # the socket reaches exactly that IPv4 address
    embedded = [address.sixtofour, address.teredo[1] if address.teredo else None]
    if address in NAT64:
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [address, *(a for a in embedded if a is not None)]


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses always; others only inside `networks`, or for a host named in `hostnames`."""

    networks: tuple[IPNetwork, ...] = ()
    hostnames: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, allow: str) -> AddressPolicy:
        """`allow` is MOISSON_OUTBOUND_ALLOW: comma-separated CIDRs (or single addresses) and host names."""
        networks: list[IPNetwork] = []
        hostnames: set[str] = set()
        for entry in (part.strip() for part in allow.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hostnames.add(_normal_host(entry))
        return cls(tuple(networks), frozenset(hostnames))

    def permits(self, host: str, address: IPAddress) -> bool:
        if is_public(address) or _normal_host(host) in self.hostnames:
            return True
        # An IPv6 form carrying an IPv4 address reaches that IPv4 address: the allowlist is read for it.
        effective = _with_embedded(address)[-1]
        return any(effective in network for network in self.networks if network.version == effective.version)

    def checked_addresses(self, host: str, port: int, resolver: Resolver) -> list[IPAddress]:
        """Resolve `host` once; every address it resolves to must be permitted (one refused address refuses
        the host: which one a connection would pick is not ours to predict)."""
        addresses = [ipaddress.ip_address(raw) for raw in resolver(host, port)]
        if not addresses:
            raise HostNotFound(host)
        if not all(self.permits(host, address) for address in addresses):
            raise AddressNotAllowed()
        return addresses


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()
