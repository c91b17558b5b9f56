"""Harvests fetch through catalog/outbound like every other fetch: internal addresses refused (also behind a
redirect), one deadline per request, and a source's own `http` limits bounded by the site's maximums."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from catalog.errors import ValidationError
from harvest.fetch import FetchLimits
from tests.harvest.remote import FakeCkan, RemoteServer, Reply
from tests.outbound.servers import PUBLIC_HOST, PUBLIC_ONLY, RawServer, trickle


def with_settings(services: Any, monkeypatch: pytest.MonkeyPatch, **values: Any) -> None:
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, **values))


def test_a_source_on_an_internal_address_is_refused(filled_ckan: FakeCkan, remote: RemoteServer, make_source: Any,
                                                    run: Any, services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with_settings(services, monkeypatch, outbound_allow="")  # the site default, not this folder's loopback
    job = run(make_source(filled_ckan.url))
    assert job["stats"]["added"] == 0
    assert "address not allowed" in job["gather_errors"][0]["detail"]
    assert remote.requests == []


def test_a_source_redirected_to_an_internal_address_is_refused(remote: RemoteServer, make_source: Any, run: Any,
                                                               services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    remote.add_file("/catalog.ttl", "catalog-1.ttl", "text/turtle")
    with_settings(services, monkeypatch, outbound_allow=PUBLIC_ONLY)
    public = RemoteServer(PUBLIC_HOST)
    try:
        public.routes["/catalog.ttl"] = lambda _q: Reply(302, headers={"Location": remote.url("/catalog.ttl")})
        job = run(make_source(public.url("/catalog.ttl"), source_type="dcat_rdf"))
    finally:
        public.close()
    assert "address not allowed" in job["gather_errors"][0]["detail"]
    assert public.hits["/catalog.ttl"] == 1 and remote.hits["/catalog.ttl"] == 0


def test_a_trickling_source_ends_at_its_deadline(make_source: Any, run: Any) -> None:
    slow = RawServer(trickle(b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nContent-Length: 9999\r\n\r\n"))
    try:
        source = make_source(f"http://127.0.0.1:{slow.port}/catalog.ttl", source_type="dcat_rdf",
                             http={"total_timeout": 2, "read_timeout": 60, "retries": 3})
        job = run(source)
        slow.wait_handlers()
    finally:
        slow.close()
    assert "longer than the 2 s" in job["gather_errors"][0]["detail"]
    assert slow.connections == 1  # the deadline covers the retries: none was left for them
    assert slow.cut_off == 1  # the harvest hung up while the server still had bytes to trickle


@pytest.mark.parametrize(("http", "message"), [
    ({"max_bytes": 1001}, "http.max_bytes: 1001 is above this site's maximum of 1000 bytes"),
    ({"total_timeout": 30.5}, "http.total_timeout: 30.5 is above this site's maximum of 30 seconds"),
    ({"read_timeout": 31}, "http.read_timeout: 31 is above this site's maximum of 30 seconds"),
    ({"connect_timeout": 300}, "http.connect_timeout: 300 is above this site's maximum of 30 seconds"),
])
def test_source_limits_above_the_site_maximum_are_refused(http: dict[str, Any], message: str, call: Any,
                                                          sysadmin: Any, org: dict[str, Any], services: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with_settings(services, monkeypatch, harvest_max_bytes=1000, harvest_max_timeout_seconds=30)
    fields = {"url": "http://example.org/", "source_type": "ckan", "owner_org": org["id"]}
    with pytest.raises(ValidationError) as refused:
        call("harvest_source_create", sysadmin, name="too-big", config={"http": http}, **fields)
    assert any(m.startswith(message) for m in refused.value.errors["config"]), refused.value.errors
    source = call("harvest_source_create", sysadmin, name="at-the-limit", **fields,
                  config={"http": {"max_bytes": 1000, "total_timeout": 30, "read_timeout": 30}})
    with pytest.raises(ValidationError):
        call("harvest_source_update", sysadmin, id=source["id"], config={"http": http})


def test_a_source_saved_before_the_maximum_was_lowered_is_clamped(remote: RemoteServer, make_source: Any,
                                                                  run: Any, services: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    remote.add_file("/catalog.ttl", "catalog-1.ttl", "text/turtle")
    source = make_source(remote.url("/catalog.ttl"), source_type="dcat_rdf", http={"max_bytes": 10_000_000})
    with_settings(services, monkeypatch, harvest_max_bytes=100, harvest_max_timeout_seconds=5)
    job = run(source)
    assert "exceeds the limit of 100 bytes" in job["gather_errors"][0]["detail"]
    limits = FetchLimits.from_config({"http": {"max_bytes": 10_000_000, "read_timeout": 60}}, services.settings)
    assert (limits.max_bytes, limits.read_timeout, limits.connect_timeout) == (100, 5, 5)
