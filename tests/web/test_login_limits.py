"""Failed logins are limited per account and per client address (in-process, and shared through real Redis),
and an unknown e-mail costs the same password-hash work as a wrong password."""

from __future__ import annotations

import hashlib
import html
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from redis import Redis

from catalog.user.login_limits import LoginLimits, MemoryFailureLog, RedisFailureLog, build_login_limits
from catalog.user.passwords import SCRYPT_N, SCRYPT_P, SCRYPT_R, dummy_hash
from catalog.web.auth import LIMITS_EXTENSION
from tests.conftest import make_user
from tests.web.conftest import csrf_token

REDIS_URL = "redis://127.0.0.1:6379/0"
MAX_FAILURES, WINDOW = 3, 60


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def attempt(client: FlaskClient, name: str, password: str, address: str = "192.0.2.1", lang: str = "en") -> Any:
    form = client.get("/user/login").get_data(as_text=True)
    return client.post("/user/login", data={"csrf_token": csrf_token(form), "username": name, "password": password},
                       headers={"Accept-Language": lang}, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"moisson-test:{uuid.uuid4().hex}:"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture(params=["memory", "redis"])
def limits(request: pytest.FixtureRequest, app: Any, redis_prefix: str) -> LoginLimits:
    log = MemoryFailureLog() if request.param == "memory" else RedisFailureLog(Redis.from_url(REDIS_URL), redis_prefix)
    app.extensions[LIMITS_EXTENSION] = LoginLimits(log, MAX_FAILURES, WINDOW, Clock())
    return app.extensions[LIMITS_EXTENSION]


def test_an_account_is_refused_with_429_after_too_many_failures_then_allowed_after_the_window(
        client, call, limits):
    make_user(call, "jane")
    for _ in range(MAX_FAILURES):
        assert attempt(client, "jane", "wrong-password").status_code == 200
    refused = attempt(client, "jane", "correct-horse")  # even the right password: the limit comes first
    assert refused.status_code == 429
    assert "Too many failed logins. Please wait 1 min and try again." in refused.get_data(as_text=True)
    # Per account: another address does not help, nor does writing the name differently.
    assert attempt(client, "JANE ", "correct-horse", address="198.51.100.7").status_code == 429
    french = html.unescape(attempt(client, "jane", "correct-horse", lang="fr").get_data(as_text=True))
    assert "Trop d'échecs de connexion. Attendez 1 min avant de réessayer." in french
    limits.clock.now += WINDOW + 1
    assert attempt(client, "jane", "correct-horse").status_code == 302


def test_an_address_is_refused_after_too_many_failures_whatever_the_accounts(client, call, limits):
    make_user(call, "jane")
    for number in range(MAX_FAILURES):
        attempt(client, f"nobody-{number}@example.org", "guess")
    assert attempt(client, "jane", "correct-horse").status_code == 429
    assert attempt(client, "jane", "correct-horse", address="198.51.100.7").status_code == 302
    limits.clock.now += WINDOW + 1
    assert attempt(client, "someone-else", "guess").status_code == 200


def test_a_success_forgets_the_accounts_failures_but_not_the_addresss(client, call, limits):
    make_user(call, "jane")
    for _ in range(MAX_FAILURES - 1):
        attempt(client, "jane", "wrong-password", address="198.51.100.7")
    assert attempt(client, "jane", "correct-horse", address="203.0.113.5").status_code == 302
    for _ in range(MAX_FAILURES - 1):  # the account counts from zero again
        assert attempt(client, "jane", "wrong-password", address="203.0.113.9").status_code == 200
    assert attempt(client, "jane", "wrong-password", address="198.51.100.7").status_code == 200
    assert attempt(client, "john", "anything", address="198.51.100.7").status_code == 429


def test_the_window_slides(limits):
    for _ in range(MAX_FAILURES - 1):
        limits.failed("jane", "192.0.2.1")
    limits.clock.now += WINDOW - 10
    limits.failed("jane", "192.0.2.1")
    assert limits.retry_after("jane", "192.0.2.9") == 10  # the oldest failures leave the window in 10 s
    limits.clock.now += 10
    assert limits.retry_after("jane", "192.0.2.9") == 0
    limits.failed("jane", "192.0.2.1")
    assert limits.retry_after("jane", "192.0.2.9") == 0  # two failures lie in the window now
    limits.failed("jane", "192.0.2.1")
    assert limits.retry_after("jane", "192.0.2.9") == WINDOW - 10  # until the one made 50 s ago leaves it


def test_redis_shares_the_failures_between_processes(redis_prefix):
    """Two LoginLimits on two connections stand for two worker processes."""
    clock = Clock()
    first, second = (LoginLimits(RedisFailureLog(Redis.from_url(REDIS_URL), redis_prefix), MAX_FAILURES, WINDOW,
                                 clock) for _ in range(2))
    for _ in range(MAX_FAILURES):
        first.failed("jane", "192.0.2.1")
    assert second.retry_after("jane", "198.51.100.7") == WINDOW
    second.succeeded("jane")
    assert first.retry_after("jane", "198.51.100.7") == 0


def test_the_redis_keys_expire_with_the_window(redis_prefix):
    limits = LoginLimits(RedisFailureLog(Redis.from_url(REDIS_URL), redis_prefix), MAX_FAILURES, WINDOW, Clock())
    limits.failed("jane", "192.0.2.1")
    client = Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{redis_prefix}*"))
    assert len(keys) == 2 and all(0 < client.ttl(key) <= WINDOW for key in keys)
    assert all(b"jane" not in key for key in keys)  # what a visitor typed is hashed


def test_the_settings_choose_the_failure_log(services):
    from dataclasses import replace

    assert isinstance(build_login_limits(services.settings).log, MemoryFailureLog)
    shared = build_login_limits(replace(services.settings, redis_url=REDIS_URL, login_max_failures=7))
    assert isinstance(shared.log, RedisFailureLog) and shared.max_failures == 7
    assert shared.window_seconds == services.settings.login_window_seconds


def test_an_unreachable_redis_refuses_logins_with_503_not_500(app, client, call):
    make_user(call, "jane")
    dead = Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    app.extensions[LIMITS_EXTENSION] = LoginLimits(RedisFailureLog(dead), MAX_FAILURES, WINDOW)
    response = attempt(client, "jane", "correct-horse")
    assert response.status_code == 503
    assert "Logging in is unavailable for a moment" in response.get_data(as_text=True)


def test_an_unknown_email_costs_the_same_hash_work_as_a_wrong_password(client, call, monkeypatch):
    make_user(call, "jane")
    dummy_hash()  # made once per process, before the first unknown name
    calls: list[tuple[int, int, int]] = []
    real_scrypt = hashlib.scrypt

    def counting_scrypt(password: bytes, **kwargs: Any) -> bytes:
        calls.append((kwargs["n"], kwargs["r"], kwargs["p"]))
        return real_scrypt(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    assert attempt(client, "jane", "wrong-password").status_code == 200
    known = list(calls)
    calls.clear()
    assert attempt(client, "nobody@example.org", "wrong-password").status_code == 200
    assert known == calls == [(SCRYPT_N, SCRYPT_R, SCRYPT_P)]


def test_behind_a_trusted_proxy_each_visitor_has_their_own_address_limit(client, call, services, limits,
                                                                          monkeypatch):
    """Every request arrives from the proxy's address: without trusted_proxies one guesser would lock every
    visitor out. The proxy appends the real address to X-Forwarded-For; what the client wrote before is not
    believed."""
    from dataclasses import replace

    make_user(call, "jane")
    proxy = "10.0.0.2"

    def through_proxy(name: str, password: str, forwarded: str) -> int:
        form = client.get("/user/login").get_data(as_text=True)
        return client.post("/user/login", data={"csrf_token": csrf_token(form), "username": name,
                                                "password": password},
                           headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": proxy}).status_code

    monkeypatch.setitem(vars(services), "settings", replace(services.settings, trusted_proxies=1))
    for number in range(MAX_FAILURES):  # the guesser varies the address it claims; the proxy's entry is last
        assert through_proxy(f"nobody-{number}", "guess", f"198.51.100.{number}, 203.0.113.66") == 200
    assert through_proxy("jane", "correct-horse", "203.0.113.66") == 429
    assert through_proxy("jane", "correct-horse", "192.0.2.10") == 302
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, trusted_proxies=0))
    assert through_proxy("jane", "correct-horse", "192.0.2.11") == 302  # the proxy's own address: no failures
    for number in range(MAX_FAILURES):
        through_proxy(f"nobody-{number}", "guess", f"192.0.2.{20 + number}")
    assert through_proxy("jane", "correct-horse", "192.0.2.30") == 429  # header ignored: all share the proxy's
