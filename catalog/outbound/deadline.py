"""A wall-clock deadline shared by everything one fetch does (waiting for a slot, connecting, every redirect,
every read, retries), and the watchdog that enforces it on sockets that trickle bytes under the read timeout."""

from __future__ import annotations

import socket
import threading
import time

from catalog.outbound.errors import DeadlineExceeded


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.ends

    def check(self) -> None:
        if self.expired:
            raise DeadlineExceeded(self.seconds)

    def error(self) -> DeadlineExceeded:
        return DeadlineExceeded(self.seconds)


class Watchdog:
    """Shuts the fetch's sockets down when the deadline passes.

    A per-read timeout cannot bound a server that sends one byte a second (each read succeeds), nor a buffered
    read waiting for a whole block; shutting the socket makes any blocked read return at once. It watches a
    duplicate of each socket: TLS wraps the original socket object and detaches it, the duplicate stays valid."""

    def __init__(self, deadline: Deadline) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.fired = False
        self._timer = threading.Timer(deadline.remaining(), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        duplicate = sock.dup()
        with self._lock:
            self._sockets.append(duplicate)
            if self.fired:
                _shut(duplicate)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the fetch itself
