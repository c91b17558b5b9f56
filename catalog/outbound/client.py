"""`Outbound.open(url)`: one GET under the site's outbound rules, redirects followed and checked hop by hop.

This is the only module of Moisson that opens a network connection (DataStore URL loads and harvests call
Outbound); the connection classes below connect to the address the policy checked, and nothing else."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import certifi
from urllib3 import BaseHTTPResponse, HTTPConnectionPool, HTTPHeaderDict, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ReadTimeoutError
from urllib3.util import Timeout
from urllib3.util.connection import create_connection

from catalog.outbound.deadline import Deadline, Watchdog
from catalog.outbound.errors import (
    AddressNotAllowed,
    OutboundBusy,
    OutboundError,
    RemoteFailed,
    ResponseTooLarge,
    SchemeNotAllowed,
    TooManyRedirects,
)
from catalog.outbound.policy import AddressPolicy, IPAddress, Resolver, system_resolver

USER_AGENT = "Moisson/0.1 (+https://github.com/moisson)"
ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Sent to the first host only: a redirect to another origin must not carry the caller's credentials.
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
CHUNK_BYTES = 64 * 1024


_slots_by_limit: dict[int, threading.BoundedSemaphore] = {}
_slots_guard = threading.Lock()


def _slots(limit: int) -> threading.BoundedSemaphore:
    """The process-wide count of fetches in flight (one semaphore per configured limit, in practice one);
    made under a lock, so two first fetches at once cannot each get a semaphore of their own."""
    with _slots_guard:
        return _slots_by_limit.setdefault(limit, threading.BoundedSemaphore(limit))


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Target:
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            port = parts.port
        except ValueError as error:
            raise RemoteFailed(f"Invalid URL ({error}); check the URL") from None
        if scheme not in ALLOWED_SCHEMES:
            raise SchemeNotAllowed(scheme)
        port = port or (443 if scheme == "https" else 80)
        if not parts.hostname:
            raise RemoteFailed("The URL has no host; check the URL")
        return cls(url, scheme, parts.hostname, port)

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def request_path(self) -> str:
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class OutboundResponse:
    """A response whose body is read under the fetch's size cap and deadline."""

    def __init__(self, raw: BaseHTTPResponse, url: str, max_bytes: int, deadline: Deadline,
                 watchdog: Watchdog) -> None:
        self.raw, self.url, self.max_bytes = raw, url, max_bytes
        self.deadline, self.watchdog = deadline, watchdog

    @property
    def status(self) -> int:
        return self.raw.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self.raw.headers

    def iter_bytes(self) -> Iterator[bytes]:
        declared = self.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ResponseTooLarge(self.max_bytes, int(declared))
        size = 0
        try:
            for chunk in self.raw.stream(CHUNK_BYTES, decode_content=True):
                size += len(chunk)
                if size > self.max_bytes:
                    raise ResponseTooLarge(self.max_bytes)
                if self.watchdog.fired:
                    break
                yield chunk
        except (HTTPError, OSError) as error:
            if self.watchdog.fired:
                raise self.deadline.error() from None
            raise RemoteFailed(f"Response interrupted ({_reason(error)})",
                               timed_out=isinstance(error, ReadTimeoutError)) from None
        # A socket shut by the watchdog reads as the end of a body without Content-Length: not a whole file.
        if self.watchdog.fired:
            raise self.deadline.error()

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())


class Outbound:
    """Fetches under one address policy, deadline and concurrency limit (build it from Settings)."""

    def __init__(self, policy: AddressPolicy, *, deadline_seconds: float = 120.0, max_concurrent: int = 4,
                 resolver: Resolver = system_resolver, user_agent: str = USER_AGENT) -> None:
        self.policy, self.deadline_seconds, self.max_concurrent = policy, deadline_seconds, max_concurrent
        self.resolver, self.user_agent = resolver, user_agent

    @classmethod
    def from_settings(cls, settings: Any, *, resolver: Resolver = system_resolver) -> Outbound:
        return cls(AddressPolicy.parse(settings.outbound_allow),
                   deadline_seconds=float(settings.outbound_deadline_seconds),
                   max_concurrent=int(settings.outbound_max_concurrent), resolver=resolver)

    def deadline(self) -> Deadline:
        return Deadline(self.deadline_seconds)

    @contextmanager
    def open(self, url: str, *, max_bytes: int, headers: Mapping[str, str] | None = None,
             deadline: Deadline | None = None, connect_timeout: float = 10.0, read_timeout: float = 60.0,
             max_redirects: int = 5) -> Iterator[OutboundResponse]:
        """GET `url`; the response is usable inside the block. `deadline` (default: the site's) may be shared
        by several calls, e.g. a harvester's retries of one request."""
        deadline = deadline or self.deadline()
        target = Target.parse(url)  # a malformed URL fails before taking a slot
        slots = _slots(self.max_concurrent)
        if not slots.acquire(timeout=deadline.remaining()):
            raise OutboundBusy()
        watchdog = Watchdog(deadline)
        try:
            request_headers = HTTPHeaderDict({"User-Agent": self.user_agent})
            request_headers.update(headers or {})  # case-insensitive: the caller's User-Agent replaces ours
            raw, pool, final_url = self._follow(target, request_headers, deadline, watchdog,
                                                (connect_timeout, read_timeout), max_redirects)
            try:
                yield OutboundResponse(raw, final_url, max_bytes, deadline, watchdog)
            finally:
                raw.close()
                pool.close()
        finally:
            watchdog.close()
            slots.release()

    def _follow(self, target: Target, headers: HTTPHeaderDict, deadline: Deadline, watchdog: Watchdog,
                timeouts: tuple[float, float], max_redirects: int) -> tuple[BaseHTTPResponse, HTTPConnectionPool, str]:
        first_origin = target.origin
        for _hop in range(max_redirects + 1):
            raw, pool = self._request(target, headers, deadline, watchdog, timeouts)
            location = raw.headers.get("Location")
            if raw.status not in REDIRECT_STATUSES or not location:
                return raw, pool, target.url
            raw.close()
            pool.close()
            target = Target.parse(urljoin(target.url, location.strip()))
            if target.origin != first_origin:
                headers = HTTPHeaderDict({k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS})
        raise TooManyRedirects(max_redirects)

    def _request(self, target: Target, headers: HTTPHeaderDict, deadline: Deadline, watchdog: Watchdog,
                 timeouts: tuple[float, float]) -> tuple[BaseHTTPResponse, HTTPConnectionPool]:
        deadline.check()
        address = self.policy.checked_addresses(target.host, target.port, self.resolver)[0]
        remaining = deadline.remaining()
        hop_timeout = Timeout(connect=min(timeouts[0], remaining), read=min(timeouts[1], remaining))
        pool = pinned_pool(target.scheme, target.host, target.port, address, watchdog.watch)
        try:
            raw = pool.urlopen("GET", target.request_path, headers=headers, redirect=False, retries=False,
                               preload_content=False, timeout=hop_timeout, assert_same_host=False)
        except OutboundError:
            pool.close()
            raise
        except (HTTPError, OSError) as error:
            pool.close()
            if watchdog.fired:
                raise deadline.error() from None
            # urllib3's NewConnectionError (refused, unreachable) subclasses its connect-timeout error.
            timed_out = isinstance(error, ReadTimeoutError | ConnectTimeoutError) and not isinstance(
                error, NewConnectionError)
            raise RemoteFailed(_failure(error), timed_out=timed_out) from None
        return raw, pool


def _failure(error: Exception) -> str:
    if isinstance(error, NewConnectionError):
        return "Could not connect to the server (connection refused or unreachable)"
    if isinstance(error, ConnectTimeoutError):
        return "Timed out connecting to the server"
    if isinstance(error, ReadTimeoutError):
        return "Timed out waiting for the server to answer"
    return f"Request failed ({_reason(error)})"


def _reason(error: Exception) -> str:
    return f"{error.__class__.__name__}: {error}"


# --- Pinned connections -----------------------------------------------------------------------------------------
# urllib3 connections that connect to one address already checked by the policy, never to a fresh DNS answer.
# The pool keeps the URL's host name for the Host header, SNI and certificate checks; only the socket's destination
# is pinned. After connecting, the peer address is compared with the pinned one, so what was checked is what was
# reached. They live here, beside Outbound, so that this one module is the only code that opens a connection.

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
