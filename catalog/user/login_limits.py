"""Failed logins counted per account and per client address, so passwords cannot be guessed at speed.

A sliding window: while `login_max_failures` failures of one key lie within the last `login_window_seconds`,
logins with that key are refused without checking the password. With `MOISSON_REDIS_URL` the failures live in
Redis (one sorted set per key, scored by time) and every worker and process shares them; without it each process
counts its own. The check and the record are two steps, so requests running at the same moment may overshoot
the limit by at most the number of requests served at once.

Rate-limit libraries (pyrate-limiter, limits) count every call; a login limit counts failures only, must be
asked before the attempt without spending one, and forgets an account's failures on success, so this small log
does exactly that.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from catalog.settings import Settings

Clock = Callable[[], float]


class LoginLimitsUnavailable(Exception):
    """The shared failure log cannot be reached: logins are refused (503) rather than left unlimited."""

SWEEP_EVERY = 1000


class FailureLog(Protocol):
    def times(self, key: str, since: float) -> list[float]:
        """The failure times of `key` after `since`, oldest first (older ones may be dropped)."""

    def add(self, key: str, at: float, keep_seconds: float) -> None: ...

    def clear(self, key: str) -> None: ...


class MemoryFailureLog:
    """One process's failures. Keys are dropped once their failures are all older than the window."""

    def __init__(self) -> None:
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._adds = 0

    def times(self, key: str, since: float) -> list[float]:
        with self._lock:
            entries = self._times.get(key)
            if entries is None:
                return []
            while entries and entries[0] <= since:
                entries.popleft()
            if not entries:
                del self._times[key]
            return list(entries)

    def add(self, key: str, at: float, keep_seconds: float) -> None:
        with self._lock:
            self._times.setdefault(key, deque()).append(at)
            self._adds += 1
            if self._adds % SWEEP_EVERY == 0:
                # Names tried once are never asked about again: sweep them, or a spray of names grows memory.
                stale = [k for k, entries in self._times.items() if entries[-1] <= at - keep_seconds]
                for k in stale:
                    del self._times[k]

    def clear(self, key: str) -> None:
        with self._lock:
            self._times.pop(key, None)


class RedisFailureLog:
    """Failures shared by every process through Redis; each key expires with its newest failure's window."""

    def __init__(self, client: Any, prefix: str = "moisson:login-failures:") -> None:
        self.client = client
        self.prefix = prefix

    def times(self, key: str, since: float) -> list[float]:
        name = self.prefix + key
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(name, "-inf", since)
        pipe.zrange(name, 0, -1, withscores=True)
        _, entries = self._run(pipe.execute)
        return [score for _, score in entries]

    def add(self, key: str, at: float, keep_seconds: float) -> None:
        name = self.prefix + key
        pipe = self.client.pipeline()
        pipe.zadd(name, {uuid.uuid4().hex: at})  # a unique member: two failures at the same instant both count
        pipe.expire(name, max(1, math.ceil(keep_seconds)))
        self._run(pipe.execute)

    def clear(self, key: str) -> None:
        self._run(self.client.delete, self.prefix + key)

    @staticmethod
    def _run(command: Callable[..., Any], *args: Any) -> Any:
        from redis.exceptions import RedisError

        try:
            return command(*args)
        except RedisError as error:
            raise LoginLimitsUnavailable(str(error)) from error


@dataclass
class LoginLimits:
    log: FailureLog
    max_failures: int
    window_seconds: float
    clock: Clock = field(default=time.time)

    @staticmethod
    def keys(login: str, address: str) -> tuple[str, str]:
        # Hashed: what a visitor types never becomes a raw key, whatever its length or characters.
        account = hashlib.sha256(login.strip().lower().encode("utf-8", "surrogateescape")).hexdigest()
        return f"account:{account}", f"address:{address}"

    def retry_after(self, login: str, address: str) -> int:
        """Seconds before a login with this name or from this address may be tried again; 0 if it may now."""
        now = self.clock()
        since = now - self.window_seconds
        wait = 0.0
        for key in self.keys(login, address):
            times = self.log.times(key, since)
            if len(times) >= self.max_failures:
                # Allowed again when enough of the oldest failures have left the window.
                wait = max(wait, times[len(times) - self.max_failures] + self.window_seconds - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, login: str, address: str) -> None:
        now = self.clock()
        for key in self.keys(login, address):
            self.log.add(key, now, self.window_seconds)

    def succeeded(self, login: str) -> None:
        """The account's failures are forgotten; the address's are not (a guesser's own account would reset
        them)."""
        self.log.clear(self.keys(login, "")[0])


def build_login_limits(settings: Settings, clock: Clock = time.time) -> LoginLimits:
    log: FailureLog
    if settings.redis_url:
        from redis import Redis

        log = RedisFailureLog(Redis.from_url(settings.redis_url))
    else:
        log = MemoryFailureLog()
    return LoginLimits(log, settings.login_max_failures, settings.login_window_seconds, clock)
