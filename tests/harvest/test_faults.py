"""Each remote fault on the second page of a full re-harvest: the documented outcome, and no local data lost.

Documented outcomes: retried faults that recover (429, a passing 5xx) give a normal job; faults that persist
(5xx, timeouts, truncated or invalid JSON, a paging loop, an oversized answer) end the job `finished` with a
gather error, the records already read imported, and NO deletion, whatever the remote listed.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.dataset.models import Package
from tests.harvest.remote import FakeCkan, Reply, huge_body

SEARCH = "/ckan/api/3/action/package_search"

FAULTS = {
    "persistent 500": (Reply(500, b"Internal Server Error", "text/html"), "HTTP 500"),
    "timeout": (Reply(200, b"{}", delay=1.5), "Timed out"),
    "truncated JSON": (Reply(200, b'{"success": true, "result": {"count": 30, "resul', length=5000), ""),
    "invalid JSON": (Reply(200, b"<html>Maintenance</html>", "text/html"), "Invalid JSON"),
    "50 MB answer": (Reply(200, huge_body(51)), "exceeds the limit of 52428800 bytes"),
    "success false": (Reply(200, b'{"success": false, "error": {"message": "boom"}}'), "package_search failed"),
}


def active_count(services: Any) -> int:
    with services.db.unit_of_work(write=False) as session:
        return session.scalar(select(func.count()).select_from(Package).where(Package.state == "active"))


def fault_on_second_page(remote: Any, reply: Reply) -> None:
    normal = remote.routes[SEARCH]
    remote.routes[SEARCH] = lambda q: reply if q.get("start") == ["10"] else normal(q)


@pytest.fixture
def harvested(filled_ckan: FakeCkan, make_source: Any, run: Any) -> dict[str, Any]:
    source = make_source(filled_ckan.url, rows=10)
    assert run(source)["stats"]["added"] == 30
    return source


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_persistent_fault_stops_gathering_and_deletes_nothing(
    fault: str, harvested: dict[str, Any], filled_ckan: FakeCkan, remote: Any, run: Any, services: Any,
) -> None:
    reply, message = FAULTS[fault]
    for number in range(25, 30):  # upstream really lost 5 datasets, but this listing cannot prove it
        filled_ckan.remove(f"00000000-0000-4000-8000-{number:012d}")
    fault_on_second_page(remote, reply)
    job = run(harvested, force_all=True)
    assert job["status"] == "finished"
    assert len(job["gather_errors"]) == 1 and message in job["gather_errors"][0]["detail"]
    assert not job["gather_complete"]
    assert job["stats"]["unchanged"] == 10 and job["stats"]["deleted"] == 0
    assert "incomplete" in job["message"]
    assert active_count(services) == 30


def test_passing_5xx_and_429_are_retried_into_a_normal_job(
    harvested: dict[str, Any], remote: Any, run: Any, services: Any
) -> None:
    remote.inject(SEARCH, Reply(503, b"busy"), Reply(429, b"slow down", headers={"Retry-After": "0"}))
    job = run(harvested, force_all=True)
    assert job["gather_errors"] == [] and job["gather_complete"]
    assert job["stats"]["unchanged"] == 30
    assert active_count(services) == 30


def test_paging_loop_is_detected(harvested: dict[str, Any], remote: Any, run: Any, filled_ckan: FakeCkan,
                                 services: Any) -> None:
    normal = remote.routes[SEARCH]
    # A remote that ignores `start`: every page is the first one.
    remote.routes[SEARCH] = lambda q: normal({**q, "start": ["0"]})
    job = run(harvested, force_all=True)
    assert "paging doesn't seem to work" in job["gather_errors"][0]["detail"]
    assert job["stats"]["deleted"] == 0 and active_count(services) == 30


def test_source_suddenly_empty_is_refused_by_the_guard(
    harvested: dict[str, Any], remote: Any, run: Any, services: Any
) -> None:
    remote.routes[SEARCH] = lambda q: FakeCkan.ok({"count": 0, "results": []})
    job = run(harvested, force_all=True)
    assert job["gather_complete"] and job["stats"]["deleted"] == 0
    assert "listed no datasets" in job["message"] and job["gather_errors"]
    assert active_count(services) == 30


def test_connection_refused_is_a_gather_error(make_source: Any, run: Any) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    job = run(make_source(f"http://127.0.0.1:{port}/nothing"))
    assert job["status"] == "finished" and "Request failed" in job["gather_errors"][0]["detail"]
