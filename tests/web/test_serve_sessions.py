"""`moisson serve` with several workers and no configured secret: a login made on one worker holds on all."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

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
