"""urllib3 connections that connect to one address already checked by the policy, never to a fresh DNS answer.

The pool keeps the URL's host name for the Host header, SNI and certificate checks; only the socket's
destination is pinned. After connecting, the peer address is compared with the pinned one, so what was
checked is what was reached.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import certifi
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from catalog.outbound.errors import AddressNotAllowed
from catalog.outbound.policy import IPAddress

OnSocket = Callable[[socket.socket], None]


def _connect_pinned(conn: Any, address: IPAddress, on_socket: OnSocket) -> socket.socket:
    try:
        sock = create_connection((str(address), conn.port), conn.timeout, source_address=conn.source_address,
                                 socket_options=conn.socket_options)
    except TimeoutError as error:
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out") from error
    except OSError as error:
        raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error
    peer = ipaddress.ip_address(sock.getpeername()[0].split("%", 1)[0])
    if peer != ipaddress.ip_address(str(address).split("%", 1)[0]):
        sock.close()
        raise AddressNotAllowed()
    on_socket(sock)
    return sock


class _Pinned:
    """Mixed into urllib3's connection classes: the socket goes to `pinned_address`, the rest is unchanged."""

    def __init__(self, *args: Any, pinned_address: IPAddress, on_socket: OnSocket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pinned_address, self.on_socket = pinned_address, on_socket

    def _new_conn(self) -> socket.socket:
        return _connect_pinned(self, self.pinned_address, self.on_socket)


class PinnedHTTPConnection(_Pinned, HTTPConnection):
    pass


class PinnedHTTPSConnection(_Pinned, HTTPSConnection):
    pass


class _PinnedHTTPPool(HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class _PinnedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


def pinned_pool(scheme: str, host: str, port: int, address: IPAddress, on_socket: OnSocket) -> HTTPConnectionPool:
    """A one-connection pool for `scheme://host:port` whose socket goes to `address`."""
    pinned = {"pinned_address": address, "on_socket": on_socket}
    if scheme == "https":
        return _PinnedHTTPSPool(host, port, maxsize=1, retries=False, cert_reqs="CERT_REQUIRED",
                                ca_certs=certifi.where(), **pinned)
    return _PinnedHTTPPool(host, port, maxsize=1, retries=False, **pinned)
