"""harvest.fetch against a real local server: retries, timeouts, size cap, redirects, schemes, loops."""

from __future__ import annotations

import pytest

from catalog.outbound import AddressPolicy, Outbound
from harvest.fetch import Fetcher, FetchError, FetchLimits, VisitedGuard
from tests.conftest import LOOPBACK_ALLOW
from tests.harvest.remote import RemoteServer, Reply, huge_body

FAST = FetchLimits(retries=2, backoff_factor=0.01, read_timeout=1.0, connect_timeout=1.0)
# The remote listens on 127.0.0.1, refused unless allowed (MOISSON_OUTBOUND_ALLOW).
LOOPBACK = Outbound(AddressPolicy.parse(LOOPBACK_ALLOW))


def fetcher(limits: FetchLimits) -> Fetcher:
    return Fetcher(limits, outbound=LOOPBACK)


def test_retries_5xx_then_succeeds(remote: RemoteServer) -> None:
    remote.add("/doc", '{"ok": true}')
    remote.inject("/doc", Reply(500, b"boom"), Reply(503, b"busy"))
    response = fetcher(FAST).get(remote.url("/doc"))
    assert response.json() == {"ok": True}
    assert remote.hits["/doc"] == 3


def test_429_with_retry_after_then_succeeds(remote: RemoteServer) -> None:
    remote.add("/doc", '{"ok": true}')
    remote.inject("/doc", Reply(429, b"slow down", headers={"Retry-After": "1"}))
    assert fetcher(FAST).get(remote.url("/doc")).json() == {"ok": True}
    assert remote.hits["/doc"] == 2


def test_persistent_5xx_is_an_error_after_the_retries(remote: RemoteServer) -> None:
    remote.inject("/doc", *[Reply(500, b"boom")] * 5)
    response = fetcher(FAST).get(remote.url("/doc"))
    with pytest.raises(FetchError, match="HTTP 500"):
        response.raise_for_status()
    assert remote.hits["/doc"] == 3


def test_read_timeout_is_retried_then_fails(remote: RemoteServer) -> None:
    remote.inject("/slow", *[Reply(200, b"{}", delay=2.0)] * 3)
    with pytest.raises(FetchError, match="Timed out|Request failed"):
        fetcher(FAST).get(remote.url("/slow"))
    assert remote.hits["/slow"] == 3


def test_declared_oversize_is_refused_without_reading(remote: RemoteServer) -> None:
    remote.inject("/big", Reply(200, b"{}", length=60 * 1024 * 1024))
    with pytest.raises(FetchError, match="exceeds the limit"):
        fetcher(FAST).get(remote.url("/big"))


def test_streamed_50mb_body_is_cut_at_the_limit(remote: RemoteServer) -> None:
    remote.inject("/big", Reply(200, huge_body(51)))
    limits = FetchLimits(retries=0, max_bytes=50 * 1024 * 1024)
    with pytest.raises(FetchError, match="exceeds the limit of 52428800 bytes"):
        fetcher(limits).get(remote.url("/big"))


def test_truncated_body_is_an_error(remote: RemoteServer) -> None:
    remote.inject("/cut", Reply(200, b'{"result": [1, 2', length=1000))
    with pytest.raises(FetchError):
        fetcher(FetchLimits(retries=0, read_timeout=1)).get(remote.url("/cut")).json()


def test_invalid_json_is_a_fetch_error(remote: RemoteServer) -> None:
    remote.add("/bad", "<html>not json</html>", "text/html")
    with pytest.raises(FetchError, match="Invalid JSON"):
        fetcher(FAST).get(remote.url("/bad")).json()


def test_redirect_limit(remote: RemoteServer) -> None:
    remote.routes["/loop"] = lambda _q: Reply(302, b"", headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="More than 2 redirects"):
        fetcher(FetchLimits(max_redirects=2, retries=0)).get(remote.url("/loop"))


def test_redirect_to_file_scheme_is_refused(remote: RemoteServer) -> None:
    remote.routes["/evil"] = lambda _q: Reply(302, b"", headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError, match="non-http"):
        fetcher(FAST).get(remote.url("/evil"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x", "/relative"])
def test_non_http_urls_are_refused_before_any_request(url: str) -> None:
    with pytest.raises(FetchError, match="non-http"):
        fetcher(FAST).get(url)


def test_visited_guard_stops_a_loop() -> None:
    guard = VisitedGuard()
    guard.visit("http://x/catalog?page=1")
    guard.visit("http://x/catalog?page=2")
    with pytest.raises(FetchError, match="Paging loop"):
        guard.visit("http://x/catalog?page=1#frag")
