"""`moisson serve` with several workers and no configured secret: a login made on one worker holds on all; a\ndemotion made through one process ends the sysadmin powers of the session on every process."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import SELECTED
from tests.servers import MOISSON, ServerProcess, free_port
from tests.web.browser import ADMIN_PASSWORD, Server, start_server, stop_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("workers"), Path(__file__).resolve().parents[2], workers=3,
                           secret=False, demo=False)
    try:
        yield running
    finally:
        stop_server(running)


def test_login_and_csrf_hold_across_workers(server: Server) -> None:
    refused, logged_out = 0, 0
    for _ in range(20):
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = browser.open(f"{server.url}/user/login").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "username": "admin", "password": ADMIN_PASSWORD})
        try:
            browser.open(f"{server.url}/user/login", data=body.encode()).read()
        except urllib.error.HTTPError:
            refused += 1
            continue
        for _ in range(3):
            page = browser.open(f"{server.url}/dataset", timeout=10).read().decode()
            logged_out += "/user/_logout" not in page
    assert (refused, logged_out) == (0, 0)


@pytest.fixture(params=SELECTED)
def two_processes(request: pytest.FixtureRequest) -> Iterator[tuple[ServerProcess, str]]:
    """Two `moisson serve` processes on one database (as two hosts behind a load balancer): the first owns the
    database and the sysadmin token, the second is started on another port with the same environment."""
    first = ServerProcess(request.param, workers=1, threads=2).start()
    port = free_port()
    log = (first.workdir / "second.log").open("ab")
    second = subprocess.Popen([*MOISSON, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
                              env=first.env, cwd=first.workdir, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    log.close()
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, second)
        yield first, url
    finally:
        second.terminate()
        second.wait(timeout=20)
        first.stop()


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the second moisson serve exited"
        try:
            urllib.request.urlopen(f"{url}/api/3", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the second moisson serve did not answer")


def _status(browser: urllib.request.OpenerDirector, url: str) -> int:
    try:
        return browser.open(url, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_demotion_on_one_process_ends_sysadmin_powers_on_both(two_processes: tuple[ServerProcess, str]) -> None:
    first, second_url = two_processes
    name = "boss"
    created = first.call("user_create", {"name": name, "email": "boss@example.org", "password": "correct-horse",
                                         "sysadmin": True})
    assert created.status_code == 200, created.text
    jar = http.cookiejar.CookieJar()  # cookies ignore ports: the one login is sent to both processes
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = browser.open(f"{first.url}/user/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "username": name, "password": "correct-horse"})
    browser.open(f"{first.url}/user/login", data=body.encode()).read()
    sysadmin_only = "/api/3/action/user_list?email=someone%40example.org"
    assert [_status(browser, base + sysadmin_only) for base in (first.url, second_url)] == [200, 200]
    demoted = requests.post(f"{second_url}/api/3/action/user_patch", json={"id": name, "sysadmin": False},
                            headers={"Authorization": first.token}, timeout=30)
    assert demoted.status_code == 200, demoted.text
    assert [_status(browser, base + sysadmin_only) for base in (first.url, second_url)] == [403, 403]
