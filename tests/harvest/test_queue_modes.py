"""A queued CKAN job (one task per page, on RQ) decides like an in-process one (issue 12 items 1, 11, 12, 13): a
listing short of the count the source announced is a gather error that withdraws nothing, an incremental run
learns from the complete id listing what was removed upstream, and one whose filter the remote refuses reads the
full listing as a full job."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rq import Queue
from sqlalchemy import select

from catalog.dataset.models import Package
from harvest.models import HarvestLog
from harvest.runner import FULL_LISTING_FALLBACK
from tests.harvest.queue_worker import open_queue, queue_run
from tests.harvest.remote import FakeCkan, RemoteServer, Reply, ckan_package

SEARCH = "/ckan/api/3/action/package_search"


@pytest.fixture
def rq_queue(services: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Queue]:
    yield from open_queue(services, monkeypatch)


def states(services: Any) -> dict[str, str]:
    with services.db.unit_of_work(write=False) as session:
        return dict(session.execute(select(Package.title, Package.state)).all())


def test_a_queued_job_short_of_the_announced_count_withdraws_nothing(
    fake_ckan: FakeCkan, remote: RemoteServer, make_source: Any, services: Any, rq_queue: Queue,
) -> None:
    for number in range(3):
        fake_ckan.put(ckan_package(number))
    source = make_source(fake_ckan.url, rows=5, deletion_threshold=0.9)
    first = queue_run(services, source["id"], rq_queue)
    assert first["pages_total"] == 1 and first["stats"]["added"] == 3 and first["gather_errors"] == []
    search = remote.routes[SEARCH]

    def announces_3_delivers_2(query: dict[str, list[str]]) -> Reply:
        if query.get("rows") == ["0"]:
            return search(query)  # the queue's page plan: the count alone
        return FakeCkan.ok({"count": 3, "results": [ckan_package(0), ckan_package(1)], "sort": "id asc"})

    remote.routes[SEARCH] = announces_3_delivers_2
    job = queue_run(services, source["id"], rq_queue, force_all=True)
    assert job["pages_total"] == 1 and job["status"] == "finished"
    assert job["stats"]["gathered"] == 2 and job["stats"]["deleted"] == 0
    assert len(job["gather_errors"]) == 1
    assert "announced 3 record(s) but only 2 were gathered" in job["gather_errors"][0]["message"]
    assert set(states(services).values()) == {"active"}


def test_a_queued_incremental_run_withdraws_a_dataset_removed_upstream(
    filled_ckan: FakeCkan, remote: RemoteServer, make_source: Any, services: Any, rq_queue: Queue,
) -> None:
    source = make_source(filled_ckan.url, rows=7)
    assert queue_run(services, source["id"], rq_queue)["stats"]["added"] == 30  # the first run is full
    filled_ckan.remove(ckan_package(7)["id"])
    filled_ckan.put(ckan_package(3, title="Changed upstream", modified="2099-01-01T00:00:00.000000"))
    remote.requests.clear()
    job = queue_run(services, source["id"], rq_queue)
    assert job["pages_total"] == 1 and job["incremental_since"] is not None
    assert (job["stats"]["gathered"], job["stats"]["updated"], job["stats"]["deleted"]) == (1, 1, 1)
    assert job["gather_errors"] == []
    assert states(services)["Remote dataset 7"] == "deleted"
    assert sum(1 for state in states(services).values() if state == "active") == 29
    listing = [q for path, q in remote.requests if path == SEARCH and q.get("fl") == ["id"]]
    assert listing and all("metadata_modified" not in q.get("fq", [""])[0] for q in listing)


def test_a_queued_run_whose_incremental_filter_is_refused_reads_the_full_listing(
    fake_ckan: FakeCkan, remote: RemoteServer, make_source: Any, services: Any, rq_queue: Queue,
) -> None:
    for number in range(3):
        fake_ckan.put(ckan_package(number))
    search = remote.routes[SEARCH]

    def refuses_date_ranges(query: dict[str, list[str]]) -> Reply:
        # Some CKAN forks and proxies refuse Solr range queries on metadata_modified.
        if "metadata_modified" in query.get("fq", [""])[0]:
            return Reply(400, b'{"success": false, "error": {"__type": "Search Query Error"}}')
        return search(query)

    remote.routes[SEARCH] = refuses_date_ranges
    source = make_source(fake_ckan.url, deletion_threshold=0.5)
    assert queue_run(services, source["id"], rq_queue)["stats"]["added"] == 3
    fake_ckan.remove(ckan_package(2)["id"])
    job = queue_run(services, source["id"], rq_queue)
    assert job["pages_total"] == 1 and job["gather_errors"] == []
    assert job["incremental_since"] is None
    assert (job["stats"]["unchanged"], job["stats"]["deleted"]) == (2, 1)
    with services.db.unit_of_work(write=False) as session:
        messages = list(session.scalars(select(HarvestLog.message).where(HarvestLog.job_id == job["id"])))
    assert FULL_LISTING_FALLBACK in messages
