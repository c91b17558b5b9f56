"""Servers for the outbound-fetch tests. Loopback is a /8 on Linux, so two loopback addresses model the two sides
of an SSRF: an "internal" server on 127.0.0.1 that must stay out of reach, and a "public" one on 127.0.0.2 that
the tests allow with the CIDR 127.0.0.2/32 (MOISSON_OUTBOUND_ALLOW), as a public host would be."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

INTERNAL_HOST = "127.0.0.1"
PUBLIC_HOST = "127.0.0.2"
PUBLIC_ONLY = "127.0.0.2/32"
SECRET = b"id;salary\n1;99000\n"
Talk = Callable[[socket.socket], None]


class RawServer:
    """A TCP server on 127.0.0.1 whose connections get `talk(socket)`: not HTTP, or HTTP at a trickle."""

    def __init__(self, talk: Talk) -> None:
        self.listener = socket.create_server((INTERNAL_HOST, 0))
        self.port = self.listener.getsockname()[1]
        self.talk = talk
        self.connections = 0
        self.cut_off = 0  # connections the client closed before `talk` was done
        self.handlers: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.handlers.append(threading.Thread(target=self._handle, args=(conn,), daemon=True))
            self.handlers[-1].start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                self.talk(conn)
            except OSError:
                self.cut_off += 1  # the client went away

    def wait_handlers(self, timeout: float = 30.0) -> None:
        for handler in self.handlers:
            handler.join(timeout)

    def close(self) -> None:
        self.listener.close()


def ssh_banner(conn: socket.socket) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
    time.sleep(0.2)


def trickle(first: bytes, seconds: float = 30.0) -> Talk:
    """Send `first`, then one byte a second for `seconds`: every read succeeds, so no read timeout ever fires.
    A client that gives up sooner shows as `cut_off` (the next byte finds the connection closed)."""

    def talk(conn: socket.socket) -> None:
        conn.sendall(first)
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            conn.sendall(b"x")
            time.sleep(1.0)

    return talk


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind((INTERNAL_HOST, 0))
        return sock.getsockname()[1]
